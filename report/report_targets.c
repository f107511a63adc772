/* report_targets.c - reads and strictly checks one review year's targets file (INDICATORS.md). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/period.h"
#include "report/report.h"

/* A targets file is a page of hand-written JSON; anything bigger is not one. */
#define TARGETS_MAX_BYTES ((size_t)1024 * 1024)

/* Longest piece of a key taken from the file into a message, in bytes. */
#define KEY_SEGMENT_MAX 64

/* Where a message goes and which file it names. */
struct checker {
    const char *path;
    char *err;
    size_t errlen;
};

/*
 * Formats "<path>: <key>: <message>" (or "<path>: <message>" when key is NULL) into the
 * caller's err. A message longer than err ends in "..." so that a cut is visible.
 * Always returns -1, so that callers can write "return fail(...)".
 */
static int fail(const struct checker *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(const struct checker *c, const char *key, const char *fmt, ...)
{
    if (c->err == NULL || c->errlen == 0)
        return -1;
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (n < 0)
        message[0] = '\0';
    if (key != NULL)
        n = snprintf(c->err, c->errlen, "%s: %s: %s", c->path, key, message);
    else
        n = snprintf(c->err, c->errlen, "%s: %s", c->path, message);
    if (n >= 0 && (size_t)n >= c->errlen && c->errlen > 4)
        memcpy(c->err + c->errlen - 4, "...", 4);
    return -1;
}

/*
 * Appends ".child" (or "child" at the top) to the key path parent, into out of size n.
 * The child comes from the file: control characters become '?' and a long one is cut on a
 * UTF-8 boundary and marked "...", so that a message stays one readable line.
 */
static void key_join(char *out, size_t n, const char *parent, const char *child)
{
    size_t len = 0;
    if (parent != NULL && parent[0] != '\0') {
        if (util_strlcpy(out, parent, n) != 0)
            return; /* already cut; the parent is the useful part */
        len = strlen(out);
        if (len + 1 < n)
            out[len++] = '.';
    }
    size_t take = strlen(child);
    bool cut = false;
    if (take > KEY_SEGMENT_MAX) {
        take = KEY_SEGMENT_MAX;
        while (take > 0 && ((unsigned char)child[take] & 0xC0) == 0x80)
            take--;
        cut = true;
    }
    for (size_t i = 0; i < take && len + 1 < n; i++) {
        unsigned char ch = (unsigned char)child[i];
        out[len++] = (ch < 0x20 || ch == 0x7F) ? '?' : (char)ch;
    }
    for (int i = 0; cut && i < 3 && len + 1 < n; i++)
        out[len++] = '.';
    out[len] = '\0';
}

/*
 * Fails on the first key of obj that is not in allowed (NULL-terminated). Checking this
 * before the values makes a misspelt key report itself, not the key it was meant to be.
 */
static int check_keys(const struct checker *c, const char *where, json_t *obj,
                      const char *const *allowed)
{
    const char *name;
    json_t *value;
    json_object_foreach(obj, name, value)
    {
        (void)value;
        bool known = false;
        for (size_t i = 0; allowed[i] != NULL && !known; i++)
            known = strcmp(allowed[i], name) == 0;
        if (!known) {
            char key[256];
            key_join(key, sizeof key, where, name);
            return fail(c, key, "unknown key");
        }
    }
    return 0;
}

static int get_int(const struct checker *c, const char *key, json_t *v, int min, int max, int *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return fail(c, key, "must be an integer from %d to %d", min, max);
    *out = (int)json_integer_value(v);
    return 0;
}

static int get_number(const struct checker *c, const char *key, json_t *v, bool non_negative,
                      double *out)
{
    if (!json_is_number(v))
        return fail(c, key, non_negative ? "must be a non-negative number" : "must be a number");
    double d = json_number_value(v);
    if (non_negative && d < 0)
        return fail(c, key, "must be a non-negative number");
    *out = d;
    return 0;
}

/* True when s is "YYYY-MM-DD" in digits; the date itself is checked separately. */
static bool date_shaped(const char *s, int *y, int *m, int *d)
{
    static const char shape[] = "dddd-dd-dd";
    if (strlen(s) != sizeof shape - 1)
        return false;
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != '-')
            return false;
    }
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    return true;
}

static int parse_periods(const struct checker *c, json_t *arr, struct report_targets *t)
{
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return fail(c, "periods", "must be a non-empty array of periods");
    /* Exactly two terms belong to a year, so a third entry is a duplicate or of another year. */
    const int max_periods = 2;
    t->periods = calloc((size_t)max_periods, sizeof *t->periods);
    t->deadlines = calloc((size_t)max_periods, sizeof *t->deadlines);
    if (t->periods == NULL || t->deadlines == NULL)
        return fail(c, NULL, "out of memory");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char key[32]; /* "periods[" and at most 20 digits: never cut */
        snprintf(key, sizeof key, "periods[%zu]", i);
        json_t *v = json_array_get(arr, i);
        int first_year = 0, term = 0;
        /* only the canonical form, unlike in submissions: the file is the bureau's own and is
         * read by other tools too */
        if (!json_is_string(v) || !period_canonical(json_string_value(v), &first_year, &term))
            return fail(c, key,
                        "must be a period \"YYYY-YYYY-T\" (T is 1 or 2, the second year the "
                        "first plus one)");
        const char *p = json_string_value(v);
        /* The autumn term counts in the year it starts, the spring term in the year it ends. */
        int calendar_year = term == 1 ? first_year : first_year + 1;
        if (calendar_year != t->year)
            return fail(c, key, "%s is not a term of %d (%d covers %d-%d-2 and %d-%d-1)", p,
                        t->year, t->year, t->year - 1, t->year, t->year, t->year + 1);
        for (int j = 0; j < t->nperiods; j++) {
            if (strcmp(t->periods[j], p) == 0)
                return fail(c, key, "%s is listed twice", p);
        }
        if (t->nperiods >= max_periods)
            return fail(c, key, "a year has no more than two terms");
        t->periods[t->nperiods] = strdup(p);
        if (t->periods[t->nperiods] == NULL)
            return fail(c, NULL, "out of memory");
        t->nperiods++;
    }
    return 0;
}

static int parse_deadlines(const struct checker *c, json_t *obj, struct report_targets *t)
{
    if (!json_is_object(obj))
        return fail(c, "deadlines", "must be an object of period: \"YYYY-MM-DD\"");
    const char *period;
    json_t *v;
    json_object_foreach(obj, period, v)
    {
        char key[256];
        key_join(key, sizeof key, "deadlines", period);
        int index = -1;
        for (int i = 0; i < t->nperiods && index < 0; i++) {
            if (strcmp(t->periods[i], period) == 0)
                index = i;
        }
        if (index < 0)
            return fail(c, key, "not one of the periods listed in periods");
        int y = 0, m = 0, d = 0;
        if (!json_is_string(v) || !date_shaped(json_string_value(v), &y, &m, &d))
            return fail(c, key, "must be a date \"YYYY-MM-DD\"");
        if (!util_valid_date(y, m, d))
            return fail(c, key, "%s is not a valid date", json_string_value(v));
        t->deadlines[index] = strdup(json_string_value(v));
        if (t->deadlines[index] == NULL)
            return fail(c, NULL, "out of memory");
    }
    return 0;
}

static int parse_terms(const struct checker *c, json_t *obj, struct report_targets *t)
{
    static const char *const keys[] = {"weeks", "months", NULL};
    if (!json_is_object(obj))
        return fail(c, "terms", "must be an object {\"weeks\": N, \"months\": N}");
    if (check_keys(c, "terms", obj, keys) != 0)
        return -1;
    json_t *v = json_object_get(obj, "weeks");
    if (v != NULL && get_int(c, "terms.weeks", v, 1, 30, &t->weeks) != 0)
        return -1;
    v = json_object_get(obj, "months");
    if (v != NULL && get_int(c, "terms.months", v, 1, 8, &t->months) != 0)
        return -1;
    return 0;
}

/* The rule parameters some indicators carry next to their target (names unique overall). */
static const struct {
    const char *indicator;
    const char *name;
} rule_params[] = {
    {"room_hours_compliance", "hours_per_week"},
    {"parent_training_compliance", "min_trainings"},
    {"parent_training_compliance", "min_psych"},
    {"teacher_training_compliance", "min_hours"},
};
#define NRULE_PARAMS (sizeof rule_params / sizeof rule_params[0])

/* Where a rule parameter of rule_params is kept; never NULL for a name of that table. */
static double *rule_param_slot(struct report_targets *t, const char *name)
{
    if (strcmp(name, "hours_per_week") == 0)
        return &t->hours_per_week;
    if (strcmp(name, "min_trainings") == 0)
        return &t->min_trainings;
    if (strcmp(name, "min_psych") == 0)
        return &t->min_psych;
    return &t->min_hours;
}

/* A share (a REPORT_RATIO indicator) lies in [0, 1]: 95 for 95 % is the usual slip, and would
 * make every district fail. 0, or -1 after saying what was probably meant. */
static int check_share(const struct checker *c, const char *key, int index, double value)
{
    if (report_indicators[index].unit != REPORT_RATIO || (value >= 0 && value <= 1))
        return 0;
    if (value > 1 && value <= 100)
        return fail(c, key, "%g is not a share from 0 to 1 (did you mean %g?)", value, value / 100);
    return fail(c, key, "%g is not a share from 0 to 1", value);
}

static int parse_final(const struct checker *c, const char *where, json_t *obj,
                       struct report_targets *t, struct report_target *target, int index)
{
    static const char *const keys[] = {"year", "value", NULL};
    if (!json_is_object(obj))
        return fail(c, where, "must be an object {\"year\": Y, \"value\": V}");
    if (check_keys(c, where, obj, keys) != 0)
        return -1;
    char key[256];
    key_join(key, sizeof key, where, "year");
    json_t *v = json_object_get(obj, "year");
    if (v == NULL)
        return fail(c, key, "missing");
    /* A final target lies ahead of the year it is given in; 2100 bounds years everywhere. */
    if (!json_is_integer(v) || json_integer_value(v) <= t->year || json_integer_value(v) > 2100)
        return fail(c, key, "must be an integer year after %d, up to 2100", t->year);
    target->final_year = (int)json_integer_value(v);
    key_join(key, sizeof key, where, "value");
    v = json_object_get(obj, "value");
    if (v == NULL)
        return fail(c, key, "missing");
    if (get_number(c, key, v, false, &target->final_value) != 0 ||
        check_share(c, key, index, target->final_value) != 0)
        return -1;
    target->has_final = true;
    return 0;
}

static int parse_target(const struct checker *c, const char *id, json_t *obj,
                        struct report_targets *t)
{
    char where[256];
    key_join(where, sizeof where, "targets", id);
    int index = report_indicator_find(id);
    if (index < 0)
        return fail(c, where, "unknown indicator");
    if (!json_is_object(obj))
        return fail(c, where, "must be an object {\"op\": \">=\" or \"<=\", \"value\": V}");

    /* The keys every target may have, then the rule parameters of this indicator. */
    const char *allowed[4 + NRULE_PARAMS] = {"op", "value", "final"};
    size_t nallowed = 3;
    for (size_t i = 0; i < NRULE_PARAMS; i++) {
        if (strcmp(rule_params[i].indicator, id) == 0)
            allowed[nallowed++] = rule_params[i].name;
    }
    allowed[nallowed] = NULL;
    if (check_keys(c, where, obj, allowed) != 0)
        return -1;

    struct report_target *target = &t->targets[index];
    char key[256];
    key_join(key, sizeof key, where, "op");
    json_t *v = json_object_get(obj, "op");
    if (v == NULL)
        return fail(c, key, "missing");
    const char *op = json_string_value(v);
    if (op == NULL || (strcmp(op, ">=") != 0 && strcmp(op, "<=") != 0))
        return fail(c, key, "must be \">=\" or \"<=\"");
    memcpy(target->op, op, 3);

    key_join(key, sizeof key, where, "value");
    v = json_object_get(obj, "value");
    if (v == NULL)
        return fail(c, key, "missing");
    if (get_number(c, key, v, false, &target->value) != 0 ||
        check_share(c, key, index, target->value) != 0)
        return -1;

    v = json_object_get(obj, "final");
    if (v != NULL) {
        key_join(key, sizeof key, where, "final");
        if (parse_final(c, key, v, t, target, index) != 0)
            return -1;
    }

    for (size_t i = 0; i < NRULE_PARAMS; i++) {
        if (strcmp(rule_params[i].indicator, id) != 0)
            continue;
        v = json_object_get(obj, rule_params[i].name);
        if (v == NULL)
            continue;
        key_join(key, sizeof key, where, rule_params[i].name);
        if (get_number(c, key, v, true, rule_param_slot(t, rule_params[i].name)) != 0)
            return -1;
    }
    target->set = true;
    return 0;
}

static int parse_targets(const struct checker *c, json_t *obj, struct report_targets *t)
{
    if (!json_is_object(obj))
        return fail(c, "targets", "must be an object of indicator: target");
    const char *id;
    json_t *v;
    json_object_foreach(obj, id, v)
    {
        if (parse_target(c, id, v, t) != 0)
            return -1;
    }
    return 0;
}

/* Checks the document's fields in a fixed order, so that the first error is always the same. */
static int parse_document(const struct checker *c, json_t *root, struct report_targets *t)
{
    static const char *const keys[] = {"year",  "title",   "periods", "deadlines",
                                       "terms", "targets", NULL};
    if (!json_is_object(root))
        return fail(c, NULL, "the document must be a JSON object");
    if (check_keys(c, NULL, root, keys) != 0)
        return -1;

    json_t *v = json_object_get(root, "year");
    if (v == NULL)
        return fail(c, "year", "missing");
    if (get_int(c, "year", v, 2000, 2100, &t->year) != 0)
        return -1;

    v = json_object_get(root, "title");
    if (v == NULL)
        return fail(c, "title", "missing");
    if (!json_is_string(v) || json_string_length(v) == 0)
        return fail(c, "title", "must be a non-empty string");
    t->title = strdup(json_string_value(v));
    if (t->title == NULL)
        return fail(c, NULL, "out of memory");

    v = json_object_get(root, "periods");
    if (v == NULL)
        return fail(c, "periods", "missing");
    if (parse_periods(c, v, t) != 0)
        return -1;

    v = json_object_get(root, "deadlines");
    if (v != NULL && parse_deadlines(c, v, t) != 0)
        return -1;

    v = json_object_get(root, "terms");
    if (v != NULL && parse_terms(c, v, t) != 0)
        return -1;

    /* Required although it may be empty: a file without it is more likely cut than meant. */
    v = json_object_get(root, "targets");
    if (v == NULL)
        return fail(c, "targets", "missing");
    return parse_targets(c, v, t);
}

int report_targets_parse(const char *data, size_t len, const char *path, struct report_targets *t,
                         char *err, size_t errlen)
{
    struct checker c = {path != NULL ? path : "(targets)", err, errlen};
    struct report_targets parsed;
    memset(&parsed, 0, sizeof parsed);
    memset(t, 0, sizeof *t);
    if (err != NULL && errlen > 0)
        err[0] = '\0';

    /* The spec's defaults, kept unless the file says otherwise. */
    parsed.weeks = 20;
    parsed.months = 5;
    parsed.hours_per_week = 10;
    parsed.min_trainings = 7;
    parsed.min_psych = 1;
    parsed.min_hours = 10;

    if (util_sha256(data, len, parsed.sha256) != 0)
        return fail(&c, NULL, "cannot compute the SHA-256 of the file");

    /* Windows editors save UTF-8 with a byte order mark, which JSON does not allow. */
    const char *json_text = data;
    size_t json_len = len;
    bool bom = len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0;
    if (bom) {
        json_text += 3;
        json_len -= 3;
    }
    json_error_t jerr;
    json_t *root = json_loadb(json_text, json_len, JSON_REJECT_DUPLICATES, &jerr);
    /* Editors do not show the mark, so columns are counted without it, as jansson does here. */
    if (root == NULL)
        return fail(&c, NULL, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
    int rc = parse_document(&c, root, &parsed);
    json_decref(root);
    if (rc == 0) {
        parsed.path = strdup(c.path);
        if (parsed.path == NULL)
            rc = fail(&c, NULL, "out of memory");
    }
    if (rc != 0) {
        report_targets_free(&parsed);
        return -1;
    }
    *t = parsed;
    return 0;
}

int report_targets_load(const char *path, struct report_targets *t, char *err, size_t errlen)
{
    struct checker c = {path, err, errlen};
    memset(t, 0, sizeof *t);
    size_t len = 0;
    /*
     * util_read_file checks the size before it reads anything, but refuses a file of exactly
     * its max (it cannot tell such a file from one still growing); one byte more lets a file
     * of exactly 1 MiB in, and the length check below keeps the limit exact.
     */
    char *data = util_read_file(path, TARGETS_MAX_BYTES + 1, &len);
    if (data == NULL && errno != EFBIG)
        return fail(&c, NULL, "cannot read: %s", strerror(errno));
    if (data == NULL || len > TARGETS_MAX_BYTES) {
        free(data);
        return fail(&c, NULL, "file is larger than the 1 MiB allowed for a targets file");
    }
    int rc = report_targets_parse(data, len, path, t, err, errlen);
    free(data);
    return rc;
}

void report_targets_free(struct report_targets *t)
{
    if (t == NULL)
        return;
    for (int i = 0; t->periods != NULL && i < t->nperiods; i++)
        free(t->periods[i]);
    for (int i = 0; t->deadlines != NULL && i < t->nperiods; i++)
        free(t->deadlines[i]);
    free(t->periods);
    free(t->deadlines);
    free(t->title);
    free(t->path);
    memset(t, 0, sizeof *t);
}
