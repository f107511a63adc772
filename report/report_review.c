/* report_review.c - the review: the indicators across review years, against the work points. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/db.h"
#include "common/fault.h"
#include "common/log.h"
#include "common/util.h"
#include "common/terms.h"
#include "report/report_common.h"
#include "report/report_format.h"
#include "report/report_names.h"
#include "report/report_readable.h"

/* One line of the CSV and the sheet per indicator, district and year. */
static const struct report_column line_cols[] = {
    {"indicator", "指标 indicator", 't', 30, false},
    {"indicator_name", "指标名称 indicator_name", 't', 30, true},
    {"district_code", "区县代码 district_code", 't', 14, false},
    {"district_name", "区县名称 district_name", 't', 16, true},
    {"school_type", "学校类型 school_type", 't', 14, false},
    {"school_type_name", "学校类型名称 school_type_name", 't', 14, true},
    {"year", "年度 year", 'i', 14, false},
    {"value", "值 value", 'r', 14, false},
    {"target", "目标 target", 'r', 14, false},
    {"status", "状态 status", 't', 14, false},
    {"status_name", "达标情况 status_name", 't', 14, true},
    {"change", "较上年变化 change", 'r', 14, false},
    {"final_year", "终期年度 final_year", 'i', 14, false},
    {"final_value", "终期目标 final_value", 'r', 14, false},
    {"on_track", "按期可达成 on_track", 'b', 14, false},
    {"on_track_name", "能否按期达成 on_track_name", 't', 14, true},
};
/* The JSON has one row per indicator and district, its years nested. */
static const struct report_column row_cols[] = {
    {"indicator", NULL, 't', 0, false},   {"district_code", NULL, 't', 0, false},
    {"school_type", NULL, 't', 0, false}, {"years", NULL, 'o', 0, false},
    {"change", NULL, 'r', 0, false},      {"final_year", NULL, 'i', 0, false},
    {"final_value", NULL, 'r', 0, false}, {"on_track", NULL, 'b', 0, false},
};
/* The document's rows; the lines go to the CSV, the sheet and the page. */
enum { T_ROWS, T_LINES, T_COUNT };
static const struct report_table tables[T_COUNT] = {
    {"rows", NULL, NULL, row_cols, sizeof row_cols / sizeof row_cols[0]},
    {NULL, "", "进展 review", line_cols, sizeof line_cols / sizeof line_cols[0]},
};
static const struct report_column year_cols[] = {
    {"year", NULL, 'i', 0, false},
    {"value", NULL, 'r', 0, false},
    {"target", NULL, 'r', 0, false},
    {"status", NULL, 't', 0, false},
};
#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A projection is a sum of differences of rounded doubles: 0.9 + (0.9 - 0.8) is not 1.0 in
 * binary. A final value reached within this relative margin counts as reached.
 */
#define PROJECTION_EPSILON 1e-9

struct review_year {
    int year;
    struct report_targets t;
    struct report_row *rows; /* sorted by report_row_cmp */
    size_t nrows;
};

/* The row of an indicator and district in one year, or NULL. */
static const struct report_row *find_row(const struct review_year *y, int indicator,
                                         const char *district)
{
    struct report_row key;
    memset(&key, 0, sizeof key);
    key.indicator = indicator;
    util_strlcpy(key.district_code, district, sizeof key.district_code);
    return bsearch(&key, y->rows, y->nrows, sizeof key, report_row_cmp);
}

static bool reaches(double v, double final_value, const char *op)
{
    double margin = PROJECTION_EPSILON * fmax(1.0, fabs(final_value));
    return strcmp(op, "<=") == 0 ? v <= final_value + margin : v >= final_value - margin;
}

/* One review row's figures across the years. */
struct review_line {
    const struct report_row *row[64]; /* per year, NULL when the district has no row that year */
    struct report_row empty[64];      /* the row shown then: no value, that year's target */
    bool has_final;
    int final_year;
    double final_value;
    char op[3];
    int on_track; /* 1, 0, or -1 for null */
};

static void review_evaluate(struct review_year *years, size_t nyears, int indicator,
                            const char *district, struct review_line *l)
{
    memset(l, 0, sizeof *l);
    l->on_track = -1;
    for (size_t k = 0; k < nyears; k++) {
        l->row[k] = find_row(&years[k], indicator, district);
        if (l->row[k] == NULL) {
            struct report_row *e = &l->empty[k];
            e->indicator = indicator;
            util_strlcpy(e->district_code, district, sizeof e->district_code);
            const struct report_target *tg = &years[k].t.targets[indicator];
            report_row_evaluate(e, tg->set ? tg : NULL);
            l->row[k] = e;
        }
    }
    /* the final target of the latest year that names one */
    for (size_t k = nyears; k-- > 0;) {
        const struct report_target *tg = &years[k].t.targets[indicator];
        if (tg->set && tg->has_final) {
            l->has_final = true;
            l->final_year = tg->final_year;
            l->final_value = tg->final_value;
            memcpy(l->op, tg->op, sizeof l->op);
            break;
        }
    }
    if (!l->has_final)
        return;
    /* the last two years with a value: projection = last + slope x years left (none once
     * the final year has come), slope per year between the two */
    int last = -1, prev = -1;
    for (size_t k = nyears; k-- > 0;) {
        if (!l->row[k]->has_value)
            continue;
        if (last < 0)
            last = (int)k;
        else if (prev < 0)
            prev = (int)k;
    }
    if (last < 0)
        return;
    double projection = l->row[last]->value;
    if (prev >= 0) {
        double slope = (l->row[last]->value - l->row[prev]->value) /
                       (double)(years[last].year - years[prev].year);
        int left = l->final_year - years[last].year;
        projection += slope * (left > 0 ? left : 0);
    }
    l->on_track = reaches(projection, l->final_value, l->op) ? 1 : 0;
}

/* value(Y) - value(Y - 1) for the year at index k; false when either is missing. */
static bool change_of(const struct review_year *years, const struct review_line *l, size_t k,
                      double *change)
{
    if (k == 0 || years[k - 1].year != years[k].year - 1 || !l->row[k]->has_value ||
        !l->row[k - 1]->has_value)
        return false;
    *change = l->row[k]->value - l->row[k - 1]->value;
    return true;
}

static json_t *on_track_json(int on_track)
{
    return on_track < 0 ? json_null() : json_boolean(on_track);
}

static json_t *final_year_json(const struct review_line *l)
{
    return l->has_final ? json_integer(l->final_year) : json_null();
}

/* The review's lines of an indicator and district, then its row. Returns 0, or -1 out of
 * memory (not logged) or when the writer failed. */
/* The catalogue's word for a code as a cell; null when it has none. */
static json_t *word_json(enum terms_kind kind, const char *code, bool zh)
{
    const char *w = terms_word(kind, code, zh);
    return w != NULL ? json_string(w) : json_null();
}

static int review_line_out(const struct review_year *years, size_t nyears, int indicator,
                           const char *district, const struct review_line *l,
                           const struct report_names *names, bool zh, struct report_writer *w)
{
    const char *name = report_names_district(names, district);
    const char *id = report_indicators[indicator].id;
    size_t dcap = sizeof l->empty[0].district_code;
    json_t *yarr = json_array();
    int rc = yarr == NULL ? -1 : 0;
    for (size_t k = 0; rc == 0 && k < nyears; k++) {
        const struct report_row *r = l->row[k];
        json_t *ycells[] = {json_integer(years[k].year), report_json_real(r->has_value, r->value),
                            report_json_real(r->has_target, r->target), json_string(r->status)};
        rc = json_array_append_new(yarr, report_row_make(year_cols, NKEYS(year_cols), ycells));
        double change = 0;
        bool has_change = change_of(years, l, k, &change);
        json_t *cells[] = {json_string(id),
                           json_string(report_indicators[indicator].zh),
                           report_json_text(district, dcap),
                           name != NULL ? json_string(name) : json_null(),
                           json_null(),
                           json_null(),
                           json_integer(years[k].year),
                           report_json_real(r->has_value, r->value),
                           report_json_real(r->has_target, r->target),
                           json_string(r->status),
                           word_json(TERMS_STATUS, r->status, zh),
                           report_json_real(has_change, change),
                           final_year_json(l),
                           report_json_real(l->has_final, l->final_value),
                           on_track_json(l->on_track),
                           word_json(TERMS_BOOL,
                                     l->on_track < 0 ? NULL
                                     : l->on_track   ? "true"
                                                     : "false",
                                     zh)};
        json_t *line = report_row_make(line_cols, NKEYS(line_cols), cells);
        if (rc == 0 && line == NULL)
            rc = -1;
        if (rc == 0)
            report_writer_row(w, T_LINES, line);
        json_decref(line);
    }
    double change = 0;
    bool has_change = change_of(years, l, nyears - 1, &change);
    json_t *cells[] = {json_string(id),
                       report_json_text(district, dcap),
                       json_null(),
                       yarr,
                       report_json_real(has_change, change),
                       final_year_json(l),
                       report_json_real(l->has_final, l->final_value),
                       on_track_json(l->on_track)};
    json_t *row = report_row_make(row_cols, NKEYS(row_cols), cells);
    if (rc == 0 && row == NULL)
        rc = -1;
    if (rc == 0)
        report_writer_row(w, T_ROWS, row);
    json_decref(row);
    return rc != 0 ? rc : report_writer_failed(w);
}

/* Every indicator and district of any year, in report order, into the writer; *nrows counts
 * the document's rows. 0, or -1 (not logged). */
static int review_build(struct review_year *years, size_t nyears, const struct report_names *names,
                        bool zh, struct report_writer *w, size_t *nrows)
{
    size_t total = 0;
    for (size_t k = 0; k < nyears; k++)
        total += years[k].nrows;
    struct report_row *all = calloc(total + 1, sizeof *all);
    struct review_line *line = malloc(sizeof *line);
    if (all == NULL || line == NULL) {
        free(all);
        free(line);
        return -1;
    }
    size_t n = 0;
    for (size_t k = 0; k < nyears; k++) {
        memcpy(all + n, years[k].rows, years[k].nrows * sizeof *all);
        n += years[k].nrows;
    }
    qsort(all, n, sizeof *all, report_row_cmp);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i > 0 && report_row_cmp(&all[i - 1], &all[i]) == 0)
            continue; /* the same indicator and district in another year */
        review_evaluate(years, nyears, all[i].indicator, all[i].district_code, line);
        rc = review_line_out(years, nyears, all[i].indicator, all[i].district_code, line, names, zh,
                             w);
        if (rc == 0)
            (*nrows)++;
    }
    free(all);
    free(line);
    return rc;
}

/* Computes the years of the range that have a targets file. Returns their number (0 when
 * none), or -1 after logging. */
static int review_load(const char *targets_dir, PGconn *conn, int from, int to,
                       struct review_year *years, size_t cap)
{
    int *have = NULL;
    int n = report_years(targets_dir, &have);
    if (n < 0)
        return -1;
    int count = 0, rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        if (have[i] < from || have[i] > to)
            continue;
        if ((size_t)count == cap) {
            log_error("a review covers at most %zu years", cap);
            rc = -1;
            break;
        }
        struct review_year *y = &years[count];
        struct report_scope scope = {have[i], NULL};
        y->year = have[i];
        if (report_scope_targets(targets_dir, &scope, &y->t) != 0) {
            rc = -1;
            break;
        }
        count++;
        if (count > 1)
            fault_point("report_read");
        struct report_sql_args args;
        if (report_sql_args_make(&scope, &y->t, &args) != 0 ||
            report_rows_fetch(conn, &scope, &y->t, &args, false, &y->rows, &y->nrows) != 0)
            rc = -1;
        report_sql_args_free(&args);
        if (rc == 0)
            log_info("review %d: %zu indicator rows", y->year, y->nrows);
    }
    free(have);
    return rc == 0 ? count : -1 - count; /* -1 - count: how many to free */
}

int report_review_write(const struct report_ctx *ctx, int from, int to)
{
    const char *out_dir = ctx->out_dir;
    struct review_year years[64];
    memset(years, 0, sizeof years);
    int rc = EXIT_FATAL;
    int nyears = 0;
    struct report_store *st = NULL;
    struct report_writer *w = NULL;
    struct report_names *names = NULL;
    PGconn *conn = report_connect(ctx, &rc);
    if (conn == NULL)
        return rc;
    /* every year's rows of one snapshot, stored in the same transaction */
    if (db_begin_snapshot(conn, false, "cannot compute the review") != 0) {
        PQfinish(conn);
        return EXIT_FATAL;
    }
    int got = review_load(ctx->targets_dir, conn, from, to, years, sizeof years / sizeof years[0]);
    if (got < 0) {
        nyears = -1 - got;
        rc = EXIT_USAGE;
        goto done;
    }
    nyears = got;
    if (nyears == 0) {
        char detail[128];
        snprintf(detail, sizeof detail, "No year from %d to %d has a file %s/YEAR.json.", from, to,
                 ctx->targets_dir);
        log_error_detail("nothing to review", detail,
                         "A review year needs its targets file: it names the year's terms and "
                         "targets.");
        rc = EXIT_USAGE;
        goto done;
    }
    if (util_mkdirs(out_dir, false) != 0) {
        log_error_detail("cannot create the output directory", out_dir, strerror(errno));
        goto done;
    }
    char base[64], title[64], generated_at[40], scope_json[64];
    snprintf(base, sizeof base, "review-%d-%d", from, to);
    snprintf(title, sizeof title, "%d-%d 工作要点进展 review", from, to);
    snprintf(scope_json, sizeof scope_json, "{\"from\": %d, \"to\": %d}", from, to);
    util_now_rfc3339(generated_at, sizeof generated_at);
    /* the districts' names of the same snapshot, read before the store's COPY begins */
    names = report_names_load(conn);
    if (names == NULL)
        goto done;
    /* the document is also kept in the database, as the report of record */
    st = report_store_begin(conn, "review", scope_json, NULL, NULL, NULL);
    if (st == NULL)
        goto done;
    struct report_sink store = {report_store_write, st};
    /* the years of the range that have no targets file: named, not silently left out (on the
     * page, in the log and the summary; the document keeps the years it has) */
    char without[512] = "";
    for (int y = from, k = 0; y <= to; y++) {
        while (k < nyears && years[k].year < y)
            k++;
        if (k < nyears && years[k].year == y)
            continue;
        size_t used = strlen(without);
        snprintf(without + used, sizeof without - used, "%s%d", used > 0 ? "、" : "", y);
    }
    if (without[0] != '\0')
        log_warn("review %d-%d: no targets file for %s: those years are not in the review", from,
                 to, without);
    struct report_review_page_arg page = {from, to, generated_at, T_LINES, without};
    struct report_layout layout = {
        "cannot write the review", base,  title,  REPORT_JSON_TREE, tables, T_COUNT,
        &report_review_page,       &page, &store, ctx->lang};
    w = report_writer_open(&layout, ctx->formats, out_dir);
    if (w == NULL)
        goto done;
    report_writer_value(w, "report", json_string("review"));
    report_writer_value(w, "scope", json_pack("{s:i, s:i}", "from", from, "to", to));
    report_writer_value(w, "generated_at", json_string(generated_at));
    report_writer_table_begin(w, T_ROWS);
    report_writer_table_begin(w, T_LINES);
    size_t nrows = 0;
    if (report_writer_failed(w) != 0)
        goto done;
    if (review_build(years, (size_t)nyears, names, terms_lang_zh(ctx->lang), w, &nrows) != 0) {
        if (report_writer_failed(w) == 0)
            log_error("cannot write the review: out of memory");
        goto done;
    }
    report_writer_table_end(w, T_LINES);
    report_writer_table_end(w, T_ROWS);
    int finished = report_writer_finish(w);
    w = NULL;
    rc = report_store_end(st, finished == 0);
    st = NULL;
    if (finished != 0)
        rc = EXIT_FATAL;
    if (rc == EXIT_OK && db_exec(conn, "COMMIT", "cannot store the report") != 0)
        rc = EXIT_FATAL;
    if (rc == EXIT_OK) {
        printf("review %d-%d: %d year(s), %zu indicator rows\n", from, to, nyears, nrows);
        if (without[0] != '\0')
            printf("review %d-%d: no targets file for %s (not in the review)\n", from, to, without);
    }
done:
    report_writer_discard(w);
    if (st != NULL)
        report_store_end(st, false);
    for (int k = 0; k < nyears; k++) {
        report_targets_free(&years[k].t);
        free(years[k].rows);
    }
    report_names_free(names);
    PQfinish(conn);
    return rc;
}
