/* xform_extract.c - figures of a prose work summary, each with its sentence, or listed as
 * approximate: a wrong figure is worse than a missing one (SUBMISSION.md section 8). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "transform/xform_extract.h"
#include "transform/xform_extract_int.h"
#include "transform/xform_extract_rules.h"

/* A span of the normalised text. */
struct span {
    size_t s, e;
};

/* A numeral with its unit, as the mention pattern found it. */
struct mention {
    struct span all, num, unit;
    size_t sentence; /* index into sentences */
    struct span clause;
    double value;
    bool value_ok;      /* the numeral is one exact number */
    const char *approx; /* set when the form itself is not exact */
    const char *approx_zh;
    const char *numeral_kind;
    bool unitless; /* "label:65" in a table */
    /* assigned */
    int rule; /* index into xf_rules, -1 none */
    char keyword[96];
};

struct extract_ctx {
    const struct xf_patterns *pt;
    const struct xf_norm *nt;
    const char *t;
    struct span *sentences;
    size_t nsentences;
    struct mention *m;
    size_t nm, mcap;
    struct xf_extract *x;
    /* candidates before they are reconciled per field */
    struct xf_figure *cand;
    int ncand, candcap;
    bool *cand_total;  /* the candidate's clause says 共/合计 */
    bool year_summary; /* the text reports on a year, not a term */
};

static size_t chars_between(const char *t, size_t a, size_t b)
{
    size_t n = 0;
    for (size_t i = a; i < b; i++)
        n += ((unsigned char)t[i] & 0xc0) != 0x80;
    return n;
}

static bool is_sentence_end(const char *t, size_t len, size_t i, size_t *w)
{
    unsigned char c = (unsigned char)t[i];
    *w = 1;
    if (c == '\n' || c == '!' || c == '?' || c == ';')
        return true;
    if (c == '.' && !(i > 0 && t[i - 1] >= '0' && t[i - 1] <= '9' && i + 1 < len &&
                      t[i + 1] >= '0' && t[i + 1] <= '9'))
        return i > 0 && !(t[i - 1] >= '0' && t[i - 1] <= '9');
    if (c == 0xe3 && i + 2 < len && (unsigned char)t[i + 1] == 0x80 &&
        (unsigned char)t[i + 2] == 0x82) {
        *w = 3;
        return true;
    }
    return false;
}

static int split_sentences(struct extract_ctx *c)
{
    const char *t = c->t;
    size_t len = c->nt->text.len, start = 0, cap = 0;
    for (size_t i = 0; i <= len;) {
        size_t w = 1;
        bool end = i == len || is_sentence_end(t, len, i, &w);
        if (end) {
            if (i > start) {
                if (c->nsentences == cap) {
                    cap = cap ? cap * 2 : 64;
                    struct span *p = realloc(c->sentences, cap * sizeof *p);
                    if (p == NULL)
                        return -1;
                    c->sentences = p;
                }
                c->sentences[c->nsentences].s = start;
                c->sentences[c->nsentences].e = i;
                c->nsentences++;
            }
            start = i + w;
        }
        i += w;
    }
    return 0;
}

/* The clause (between commas) of the sentence that holds [s, e). */
static struct span clause_of(const char *t, struct span sent, size_t s, size_t e)
{
    struct span cl = sent;
    for (size_t i = s; i > sent.s; i--) {
        if (t[i - 1] == ',') {
            cl.s = i;
            break;
        }
    }
    for (size_t i = e; i < sent.e; i++) {
        if (t[i] == ',') {
            cl.e = i;
            break;
        }
    }
    return cl;
}

static bool group(pcre2_code *re, pcre2_match_data *md, const char *name, struct span *sp)
{
    int n = pcre2_substring_number_from_name(re, (PCRE2_SPTR)name);
    if (n <= 0)
        return false;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if (ov[2 * n] == PCRE2_UNSET)
        return false;
    sp->s = ov[2 * n];
    sp->e = ov[2 * n + 1];
    return true;
}

/* Does [s, e) of t contain the bytes of w? */
static bool contains(const char *t, size_t s, size_t e, const char *w)
{
    size_t n = strlen(w);
    for (size_t i = s; i + n <= e; i++) {
        if (memcmp(t + i, w, n) == 0)
            return true;
    }
    return false;
}

static int add_mention(struct extract_ctx *c, const struct mention *m)
{
    if (c->nm == c->mcap) {
        size_t cap = c->mcap ? c->mcap * 2 : 64;
        struct mention *p = realloc(c->m, cap * sizeof *p);
        if (p == NULL)
            return -1;
        c->m = p;
        c->mcap = cap;
    }
    c->m[c->nm++] = *m;
    return 0;
}

static bool span_is(const char *t, struct span sp, const char *s)
{
    size_t n = strlen(s);
    return sp.e - sp.s == n && memcmp(t + sp.s, s, n) == 0;
}

/* Finds the numerals of the text with their units. */
static int find_mentions(struct extract_ctx *c)
{
    const char *t = c->t;
    size_t len = c->nt->text.len;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(c->pt->mention, NULL);
    if (md == NULL)
        return -1;
    size_t si = 0, from = 0;
    int rc = 0;
    while (from < len) {
        int r = pcre2_match(c->pt->mention, (PCRE2_SPTR)t, len, from, PCRE2_NO_UTF_CHECK, md, NULL);
        if (r <= 0)
            break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        struct mention m;
        memset(&m, 0, sizeof m);
        m.all.s = ov[0];
        m.all.e = ov[1];
        from = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
        m.rule = -1;
        struct span a, unit, rng, a1, a2, pct, pctnum;
        bool has_unit = group(c->pt->mention, md, "unit", &unit);
        if (has_unit)
            m.unit = unit;
        else
            m.unit.s = m.unit.e = m.all.e;
        while (si < c->nsentences && c->sentences[si].e <= m.all.s)
            si++;
        if (si >= c->nsentences)
            break;
        m.sentence = si;
        m.clause = clause_of(t, c->sentences[si], m.all.s, m.all.e);
        if (group(c->pt->mention, md, "approx", &a)) {
            m.num = a;
            m.approx = "approximate";
            m.approx_zh = "约数";
            m.numeral_kind = "chinese";
        } else if (group(c->pt->mention, md, "pct", &pct) &&
                   group(c->pt->mention, md, "pctnum", &pctnum)) {
            m.num = pct;
            m.numeral_kind = "percent";
            double v;
            if (span_is(t, pctnum, "百")) {
                m.value = 1;
                m.value_ok = true;
            } else if (xf_numeral_parse(t + pctnum.s, pctnum.e - pctnum.s, &v) == 0 && v <= 100) {
                m.value = v / 100;
                m.value_ok = true;
            }
            /* "百分之九十五" carries its own unit */
            m.unit = pct;
            has_unit = true;
        } else if (group(c->pt->mention, md, "num", &m.num)) {
            unsigned char f = (unsigned char)t[m.num.s];
            bool zh_mult = false;
            for (size_t k = m.num.s; k < m.num.e; k++)
                zh_mult = zh_mult || (unsigned char)t[k] >= 0x80;
            m.numeral_kind = f < 0x80 ? (zh_mult ? "mixed" : "arabic") : "chinese";
            m.value_ok = xf_numeral_parse(t + m.num.s, m.num.e - m.num.s, &m.value) == 0;
            if (!m.value_ok && f >= 0x80) {
                /* "三四次" is a range, "二〇二四" a year */
                m.approx = "range";
                m.approx_zh = "范围或不确定的数";
            }
        } else {
            continue;
        }
        if (group(c->pt->mention, md, "range", &rng)) {
            m.approx = "range";
            m.approx_zh = "范围";
        }
        bool has_a1 = group(c->pt->mention, md, "a1", &a1);
        bool has_a2 = group(c->pt->mention, md, "a2", &a2);
        if (has_a1 || has_a2) {
            struct span q = has_a1 ? a1 : a2;
            if (!has_a1 && (span_is(t, q, "以上") || span_is(t, q, "以下"))) {
                m.approx = "bound";
                m.approx_zh = "上下限,不是确数";
            } else {
                m.approx = "approximate";
                m.approx_zh = "约数";
            }
        }
        if (!has_unit) {
            /* a number without a unit counts only as the value of a label ("团体辅导:12;") */
            bool after_colon = m.all.s > 0 && t[m.all.s - 1] == ':';
            bool at_end = m.all.e >= len || t[m.all.e] == ';' || t[m.all.e] == '\n' ||
                          t[m.all.e] == ',' || t[m.all.e] == ')';
            if (!after_colon || !at_end)
                continue;
            m.unitless = true;
        }
        /* a year is a date, not a figure: "2024年" */
        if (span_is(t, m.unit, "年") && m.value_ok && m.value >= 1900)
            continue;
        if (add_mention(c, &m) != 0) {
            rc = -1;
            break;
        }
    }
    pcre2_match_data_free(md);
    return rc;
}

static bool unit_in(const char *t, struct span u, const char *list)
{
    if (list == NULL)
        return false;
    const char *p = list;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (u.e - u.s == n && memcmp(t + u.s, p, n) == 0)
            return true;
        if (bar == NULL)
            break;
        p = bar + 1;
    }
    return false;
}

struct candidate {
    int rule;
    size_t dist;      /* characters between the words and the number (+1 on the right) */
    struct span word; /* the words */
    bool left;
    bool ambiguous_unit;
};

/* Unit of a unitless table value, from the label's "(人次)", or "" (any). */
static struct span label_unit(const struct extract_ctx *c, const struct mention *m)
{
    struct span u = {m->all.e, m->all.e};
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(c->pt->unit_in_label, NULL);
    if (md == NULL)
        return u;
    size_t from = m->clause.s;
    while (pcre2_match(c->pt->unit_in_label, (PCRE2_SPTR)c->t, m->all.s, from, PCRE2_NO_UTF_CHECK,
                       md, NULL) > 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        u.s = ov[2];
        u.e = ov[3];
        from = ov[1];
    }
    pcre2_match_data_free(md);
    return u;
}

/* Tries rule r on mention i; true with the candidate when its words and unit fit. */
/* Does m's unit fit rule r? *ambiguous when it is one of the rule's ambiguous units. */
static bool unit_fits(const struct extract_ctx *c, const struct mention *m, int r, bool *ambiguous)
{
    const struct xf_rule *rule = &xf_rules[r];
    const char *t = c->t;
    struct span unit = m->unit;
    bool ambiguous_unit = false;
    if (m->unitless) {
        unit = label_unit(c, m);
        if (unit.s != unit.e && !unit_in(t, unit, rule->units)) {
            if (!unit_in(t, unit, rule->ambiguous))
                return false;
            ambiguous_unit = true;
        }
        if (xf_extract_fields[xf_rule_re[r].field_index].kind == XF_EX_RATE && unit.s == unit.e)
            return false;
    } else if (!unit_in(t, unit, rule->units)) {
        if (m->numeral_kind != NULL && strcmp(m->numeral_kind, "percent") == 0 &&
            strcmp(rule->units, "%") == 0) {
            /* 百分之九十五 */
        } else if (unit_in(t, unit, rule->ambiguous)) {
            ambiguous_unit = true;
        } else {
            return false;
        }
    }
    *ambiguous = ambiguous_unit;
    return true;
}

/* Where the paragraph holding byte at starts: after the last blank line, at most 600
 * bytes back (a table's rows and the sentence before it share their context). */
static size_t paragraph_start(const char *t, size_t at)
{
    size_t lo = at > 600 ? at - 600 : 0;
    for (size_t i = at; i > lo + 1; i--) {
        if (t[i - 1] == '\n' && t[i - 2] == '\n')
            return i;
    }
    return lo;
}

/* The clause before m's in its sentence, or an empty span. */
static struct span previous_clause(const struct extract_ctx *c, const struct mention *m)
{
    struct span sent = c->sentences[m->sentence], p = {m->clause.s, m->clause.s};
    if (m->clause.s <= sent.s + 1)
        return p;
    p.e = m->clause.s - 1; /* the comma */
    p.s = sent.s;
    for (size_t i = p.e; i > sent.s; i--) {
        if (c->t[i - 1] == ',') {
            p.s = i;
            break;
        }
    }
    return p;
}

/*
 * Tries rule r on mention i; true with the candidate when its words and unit fit. With
 * carry, the words are looked for in the clause before ("开展团体辅导12场,参与学生300人次"
 * has them there for 300 only when nothing closer named a field).
 */
static bool try_rule(const struct extract_ctx *c, size_t i, int r, bool carry,
                     struct candidate *out)
{
    const struct mention *m = &c->m[i];
    const char *t = c->t;
    bool ambiguous = false;
    if (!unit_fits(c, m, r, &ambiguous))
        return false;
    /* the window: the clause, cut at the neighbouring figures (a year "满3年" inside the
     * words of a rule does not cut) */
    size_t ls = m->clause.s, re = m->clause.e;
    for (size_t k = i; k > 0; k--) {
        const struct mention *p = &c->m[k - 1];
        if (p->all.e <= m->clause.s)
            break;
        if (span_is(t, p->unit, "年"))
            continue;
        ls = p->all.e;
        break;
    }
    for (size_t k = i + 1; k < c->nm; k++) {
        const struct mention *n = &c->m[k];
        if (n->all.s >= m->clause.e)
            break;
        if (span_is(t, n->unit, "年"))
            continue;
        re = n->all.s;
        break;
    }
    const struct span sent = c->sentences[m->sentence];
    size_t a, b;
    if (xf_rule_re[r].context != NULL &&
        !xf_pattern_find(xf_rule_re[r].context, t, paragraph_start(t, sent.s), sent.e, &a, &b))
        return false;
    if (xf_rule_re[r].near != NULL &&
        !xf_pattern_find(xf_rule_re[r].near, t, m->clause.s, m->clause.e, &a, &b))
        return false;
    struct candidate best;
    bool found = false;
    if (carry) {
        struct span pc = previous_clause(c, m);
        if (!xf_pattern_find_last(xf_rule_re[r].subject, t, pc.s, pc.e, &a, &b))
            return false;
        best.dist = 1000;
        best.word.s = a;
        best.word.e = b;
        best.left = true;
        best.rule = r;
        best.ambiguous_unit = ambiguous;
        *out = best;
        return true;
    }
    if (xf_pattern_find_last(xf_rule_re[r].subject, t, ls, m->all.s, &a, &b)) {
        size_t d = chars_between(t, b, m->all.s);
        size_t ca, cb;
        /* "两名专职心理教师和二十三名兼职…": words before a conjunction belong to the figure
         * before them */
        if ((int)d <= xf_rules[r].reach &&
            !xf_pattern_find(c->pt->conjunction, t, b, m->all.s, &ca, &cb)) {
            best.dist = d;
            best.word.s = a;
            best.word.e = b;
            best.left = true;
            found = true;
        }
    }
    if (xf_pattern_find(xf_rule_re[r].subject, t, m->all.e, re, &a, &b)) {
        size_t d = chars_between(t, m->all.e, a) + 1;
        size_t ca, cb;
        if ((int)d <= xf_rules[r].reach && (!found || d < best.dist) &&
            !xf_pattern_find(c->pt->conjunction, t, m->all.e, a, &ca, &cb)) {
            best.dist = d;
            best.word.s = a;
            best.word.e = b;
            best.left = false;
            found = true;
        }
    }
    if (!found)
        return false;
    if (xf_rule_re[r].exclude != NULL) {
        size_t xs = best.left ? best.word.e : m->all.e, xe = best.left ? m->all.s : best.word.s;
        if (xf_rules[r].flags & XF_R_CLAUSE) {
            xs = ls;
            xe = re;
        }
        if (xs < xe && xf_pattern_find(xf_rule_re[r].exclude, t, xs, xe, &a, &b))
            return false;
    }
    best.rule = r;
    best.ambiguous_unit = ambiguous;
    *out = best;
    return true;
}

static int push_figure(struct xf_figure **v, int *n, int *cap, const struct xf_figure *f)
{
    if (*n == *cap) {
        int nc = *cap ? *cap * 2 : 32;
        struct xf_figure *p = realloc(*v, (size_t)nc * sizeof *p);
        if (p == NULL)
            return -1;
        *v = p;
        *cap = nc;
    }
    (*v)[(*n)++] = *f;
    return 0;
}

static char *dup_span(const char *t, size_t s, size_t e)
{
    char *p = malloc(e - s + 1);
    if (p != NULL) {
        memcpy(p, t + s, e - s);
        p[e - s] = '\0';
    }
    return p;
}

static void figure_free(struct xf_figure *f)
{
    free(f->text);
    free(f->keyword);
    free(f->numeral);
    free(f->unit);
    free(f->sentence);
}

/* Why a figure that named its field is still not a value, or NULL when it is one. */
static const char *judge(const struct extract_ctx *c, const struct mention *m,
                         const struct candidate *cd, const char **zh)
{
    const char *t = c->t;
    const struct xf_rule *rule = &xf_rules[cd->rule];
    const struct span sent = c->sentences[m->sentence];
    size_t a, b;
    if (m->approx != NULL) {
        *zh = m->approx_zh;
        return m->approx;
    }
    if (!m->value_ok) {
        *zh = "无法确定的数";
        return "range";
    }
    if (cd->ambiguous_unit) {
        *zh = "单位与该项不符(如“人”与“人次”)";
        return "unit";
    }
    /* what stands right before the number */
    size_t ls = m->clause.s;
    if (xf_pattern_find(c->pt->approx_before, t, ls, m->all.s, &a, &b)) {
        *zh = "约数";
        return "approximate";
    }
    if (xf_pattern_find(c->pt->bound_before, t, ls, m->all.s, &a, &b)) {
        *zh = "上下限,不是确数";
        return "bound";
    }
    if (xf_pattern_find(c->pt->change_before, t, ls, m->all.s, &a, &b)) {
        *zh = "增减量,不是总数";
        return "change";
    }
    /* a requirement or a plan in the figure's own clause makes it one; elsewhere in the
     * sentence too, unless the clause says what was done ("按生均20元标准安排,本学期实际
     * 支出28,600元") */
    bool fact = xf_pattern_find(c->pt->fact_word, t, m->clause.s, m->clause.e, &a, &b);
    struct span req = fact ? m->clause : sent;
    if (xf_pattern_find(c->pt->requirement, t, req.s, req.e, &a, &b)) {
        *zh = "要求或标准,不是实际数";
        return "requirement";
    }
    if (xf_pattern_find(c->pt->plan, t, req.s, req.e, &a, &b)) {
        *zh = "计划,不是实际数";
        return "plan";
    }
    /* "至少有1项…,有2篇…": a bound earlier in the sentence governs the clauses after it,
     * unless a clause speaks of what was done */
    if (xf_pattern_find(c->pt->bound_word, t, sent.s, m->clause.s, &a, &b) &&
        !xf_pattern_find(c->pt->fact_word, t, m->clause.s, m->clause.e, &a, &b)) {
        *zh = "要求或标准,不是实际数";
        return "requirement";
    }
    /* 未/没有 before the number in its clause */
    if (xf_pattern_find(c->pt->negation, t, m->clause.s, m->all.s, &a, &b)) {
        *zh = "否定句中的数";
        return "negated";
    }
    size_t ws = m->clause.s;
    if (rule->flags & XF_R_TERM) {
        /* another period named before the figure in its sentence, unless this term is
         * named again after it ("上学期30人次,本学期65人次"), or in its clause */
        size_t from = sent.s;
        if (xf_pattern_find_last(c->pt->this_term, t, sent.s, m->all.s, &a, &b))
            from = b;
        /* in a year's summary, a term's figure must say it is this term's */
        bool year_only = c->year_summary && from == sent.s;
        if (year_only || xf_pattern_find(c->pt->other_period, t, from, m->all.s, &a, &b) ||
            xf_pattern_find(c->pt->other_period, t, m->all.e, m->clause.e, &a, &b)) {
            *zh = "其他时期或累计的数";
            return "other_period";
        }
    }
    bool per = xf_pattern_find(c->pt->per_unit, t, ws, m->all.s, &a, &b);
    size_t ta, tb;
    /* "各班共召开主题班会126次" is the total of all classes */
    if (per && xf_pattern_find(c->pt->total_word, t, b, m->all.s, &ta, &tb))
        per = false;
    if ((rule->flags & XF_R_LESSONS) && contains(t, m->clause.s, m->all.s, "年级")) {
        *zh = "只说了部分年级";
        return "per_unit";
    }
    if (!(rule->flags & XF_R_PER_OK)) {
        /* 每学期 is the term itself */
        if (per && !(b - a == strlen("每学期") && memcmp(t + a, "每学期", b - a) == 0)) {
            *zh = "按班、年级、人或时间平均的数,不是总数";
            return "per_unit";
        }
    } else {
        if ((rule->flags & XF_R_WEEK)) {
            bool week = false, other = false;
            size_t from = m->clause.s;
            while (xf_pattern_find(c->pt->per_unit, t, from, m->all.s, &a, &b)) {
                if (contains(t, a, b, "周") || contains(t, a, b, "星期"))
                    week = true;
                else
                    other = true;
                from = b;
            }
            if (!week || other) {
                *zh = "不是每周的时长";
                return "per_unit";
            }
        }
        if ((rule->flags & XF_R_PERSON)) {
            bool person = false;
            size_t from = sent.s;
            while (xf_pattern_find(c->pt->per_unit, t, from, m->all.s, &a, &b)) {
                if (contains(t, a, b, "人") || contains(t, a, b, "每位") ||
                    contains(t, a, b, "每名") || contains(t, a, b, "平均"))
                    person = true;
                from = b;
            }
            if (!person) {
                *zh = "不是人均课时";
                return "per_unit";
            }
        }
    }
    return NULL;
}

/* The value of a figure in the field's terms; false when it does not fit the field. */
static bool convert_value(const struct extract_ctx *c, const struct mention *m, int r, double *out)
{
    const char *t = c->t;
    double v = m->value;
    enum xf_extract_kind kind = xf_extract_fields[xf_rule_re[r].field_index].kind;
    switch (kind) {
    case XF_EX_COUNT:
        if (v != floor(v) || v < 0 || v > 1e9)
            return false;
        break;
    case XF_EX_MONEY:
        if (span_is(t, m->unit, "万元"))
            v *= 1e4;
        v = round(v * 100) / 100;
        if (v < 0 || v > 1e12)
            return false;
        break;
    case XF_EX_HOURS:
        if (v < 0 || v > 168)
            return false;
        break;
    case XF_EX_RATE:
        if (strcmp(m->numeral_kind, "percent") != 0) {
            if (!span_is(t, m->unit, "%"))
                return false;
            v /= 100;
        }
        if (v < 0 || v > 1)
            return false;
        break;
    case XF_EX_REAL:
        if (v < 0 || v > 1e6)
            return false;
        break;
    case XF_EX_LESSONS: {
        size_t a, b;
        if (xf_pattern_find(c->pt->two_weeks, t, m->clause.s, m->all.s, &a, &b))
            v /= 2;
        if (v <= 0 || v > 40)
            return false;
        break;
    }
    case XF_EX_BOOL:
        return false;
    }
    *out = v;
    return true;
}

static int add_candidate(struct extract_ctx *c, const struct xf_figure *f, bool total)
{
    int before = c->candcap;
    if (push_figure(&c->cand, &c->ncand, &c->candcap, f) != 0)
        return -1;
    if (c->candcap != before) {
        bool *p = realloc(c->cand_total, (size_t)c->candcap * sizeof *p);
        if (p == NULL)
            return -1;
        c->cand_total = p;
    }
    c->cand_total[c->ncand - 1] = total;
    return 0;
}

/* Fills the strings of a figure from a mention. Returns 0 or -1. */
static int figure_from(const struct extract_ctx *c, const struct mention *m, struct span word,
                       int field, struct xf_figure *f)
{
    const char *t = c->t;
    const struct span sent = c->sentences[m->sentence];
    memset(f, 0, sizeof *f);
    f->field = field;
    size_t ts = m->all.s, te = m->all.e;
    f->text = dup_span(t, ts, te);
    f->keyword = dup_span(t, word.s, word.e);
    f->numeral = dup_span(t, m->num.s, m->num.e);
    f->unit = dup_span(t, m->unit.s, m->unit.e);
    f->sentence = dup_span(t, sent.s, sent.e);
    f->numeral_kind = m->numeral_kind;
    xf_norm_where(c->nt, m->num.s, &f->line, &f->column);
    if (f->text == NULL || f->keyword == NULL || f->numeral == NULL || f->unit == NULL ||
        f->sentence == NULL) {
        figure_free(f);
        return -1;
    }
    return 0;
}

/* The figures that follow a count of sessions: "团体辅导12场,参与学生300人次". */
static int follower_rule(const struct extract_ctx *c, size_t i)
{
    const struct mention *m = &c->m[i];
    const char *t = c->t;
    if (!(span_is(t, m->unit, "人次") || span_is(t, m->unit, "人") || span_is(t, m->unit, "名")))
        return -1;
    const char *verbs[] = {"参与", "参加", "受益", "覆盖", "惠及", "到场", "出席", "听讲", "到会"};
    bool has_verb = false;
    for (size_t k = 0; k < sizeof verbs / sizeof verbs[0]; k++)
        has_verb = has_verb || contains(t, m->clause.s, m->clause.e, verbs[k]);
    if (!has_verb)
        return -1;
    bool parents = contains(t, m->clause.s, m->clause.e, "家长");
    bool students = contains(t, m->clause.s, m->clause.e, "学生");
    for (size_t k = i; k > 0; k--) {
        const struct mention *p = &c->m[k - 1];
        if (p->sentence != m->sentence)
            break;
        if (p->rule < 0)
            continue;
        const char *f = xf_rules[p->rule].field;
        const char *want = NULL;
        if (strcmp(f, "counseling.group_sessions") == 0 && !parents)
            want = "counseling.group_participants";
        else if ((strcmp(f, "home_school.parent_trainings") == 0 ||
                  strcmp(f, "home_school.psych_parent_trainings") == 0) &&
                 !students)
            want = "home_school.parent_attendees";
        if (want == NULL)
            return -1;
        for (int r = 0; r < xf_nrules; r++) {
            if (strcmp(xf_rules[r].field, want) == 0)
                return r;
        }
        return -1;
    }
    return -1;
}

/*
 * "专职、兼职心理教师分别为2名、11名": the k-th figure after 分别 goes with the k-th of the
 * words before it, each completed with the noun the last one ends in. True with the
 * candidate when mention i stands in such a clause and its words name a field.
 */
static bool try_separately(const struct extract_ctx *c, size_t i, struct candidate *out)
{
    const struct mention *m = &c->m[i];
    const char *t = c->t;
    size_t sa, sb;
    if (!xf_pattern_find(c->pt->separately, t, m->clause.s, m->all.s, &sa, &sb))
        return false;
    /* the figures after 分别 in this clause, and which of them m is */
    size_t first = i, count = 0;
    while (first > 0 && c->m[first - 1].all.s >= sb && c->m[first - 1].clause.s == m->clause.s)
        first--;
    for (size_t k = first; k < c->nm && c->m[k].clause.s == m->clause.s; k++)
        count++;
    size_t q = i - first;
    /* the words before 分别, apart at 、和与及 */
    struct span seg[8];
    size_t nseg = 0, from = m->clause.s, ca, cb;
    while (nseg < 8 && xf_pattern_find(c->pt->conjunction, t, from, sa, &ca, &cb)) {
        seg[nseg].s = from;
        seg[nseg].e = ca;
        nseg++;
        from = cb;
    }
    if (nseg >= 8)
        return false;
    seg[nseg].s = from;
    seg[nseg].e = sa;
    nseg++;
    if (nseg != count || count < 2)
        return false;
    struct span last = seg[nseg - 1];
    char words[512];
    for (size_t k = last.s; k <= last.e; k++) {
        /* the shared noun: the last words from byte k on (whole characters only) */
        if (k < last.e && ((unsigned char)t[k] & 0xc0) == 0x80)
            continue;
        if (q == nseg - 1 && k > last.s)
            break;
        size_t a = seg[q].e - seg[q].s, b = q == nseg - 1 ? 0 : last.e - k;
        if (a + b >= sizeof words)
            return false;
        memcpy(words, t + seg[q].s, a);
        memcpy(words + a, t + k, b);
        for (int r = 0; r < xf_nrules; r++) {
            bool ambiguous;
            size_t wa, wb;
            if (!unit_fits(c, m, r, &ambiguous))
                continue;
            if (!xf_pattern_find(xf_rule_re[r].subject, words, 0, a + b, &wa, &wb) || wa >= a)
                continue;
            out->rule = r;
            out->dist = 0;
            out->word = seg[q];
            out->left = true;
            out->ambiguous_unit = ambiguous;
            return true;
        }
    }
    return false;
}

static int match_mentions(struct extract_ctx *c)
{
    const char *t = c->t;
    for (size_t i = 0; i < c->nm; i++) {
        struct mention *m = &c->m[i];
        struct candidate best, cd;
        bool found = try_separately(c, i, &best);
        for (int pass = 0; pass < 2 && !found; pass++) {
            size_t a, b;
            /* the clause before is tried only for a clause with no words of its own */
            if (pass == 1 && !xf_pattern_find(c->pt->carry, t, m->clause.s, m->all.s, &a, &b))
                break;
            for (int r = 0; r < xf_nrules; r++) {
                if (!try_rule(c, i, r, pass == 1, &cd))
                    continue;
                bool weak = xf_rules[r].flags & XF_R_WEAK;
                bool best_weak = found && (xf_rules[best.rule].flags & XF_R_WEAK);
                /* "持有C证的学科教师67人": the qualified count wins on the same side */
                bool qual = (xf_rules[r].flags & XF_R_QUALIFIER) && cd.left;
                bool best_qual = found && (xf_rules[best.rule].flags & XF_R_QUALIFIER) && best.left;
                bool outranks = found && qual && !best_qual && best.left;
                bool outranked = found && best_qual && !qual && cd.left;
                if (!found || (best_weak && !weak) || outranks ||
                    (!outranked && weak == best_weak &&
                     (cd.dist < best.dist || (cd.dist == best.dist && cd.left && !best.left)))) {
                    best = cd;
                    found = true;
                }
            }
        }
        if (!found) {
            int r = follower_rule(c, i);
            if (r < 0)
                continue;
            memset(&best, 0, sizeof best);
            best.rule = r;
            best.word = m->clause;
            best.left = true;
            /* the follower's own words are the clause up to the number */
            best.word.e = m->all.s;
        }
        m->rule = best.rule;
        const char *zh = NULL;
        const char *why = judge(c, m, &best, &zh);
        double v = 0;
        if (why == NULL && !convert_value(c, m, best.rule, &v)) {
            why = "unit";
            zh = "数值不合该项(如小数人数)";
        }
        struct xf_figure f;
        if (figure_from(c, m, best.word, xf_rule_re[best.rule].field_index, &f) != 0)
            return -1;
        if (why != NULL) {
            f.approximate = true;
            f.reason = why;
            f.reason_zh = zh;
            if (push_figure(&c->x->approx, &c->x->napprox, &c->x->approx_cap, &f) != 0) {
                figure_free(&f);
                return -1;
            }
            continue;
        }
        f.value = v;
        size_t a, b;
        bool total = xf_pattern_find(c->pt->total_word, t, m->clause.s, m->all.s, &a, &b);
        if (add_candidate(c, &f, total) != 0) {
            figure_free(&f);
            return -1;
        }
    }
    return 0;
}

static int match_booleans(struct extract_ctx *c)
{
    const char *t = c->t;
    for (size_t s = 0; s < c->nsentences; s++) {
        struct span sent = c->sentences[s];
        size_t a, b;
        bool unsure = xf_pattern_find(c->pt->requirement, t, sent.s, sent.e, &a, &b) ||
                      xf_pattern_find(c->pt->plan, t, sent.s, sent.e, &a, &b) ||
                      xf_pattern_find(c->pt->bound_word, t, sent.s, sent.e, &a, &b);
        if (unsure)
            continue;
        bool negated = xf_pattern_find(c->pt->negation, t, sent.s, sent.e, &a, &b);
        for (int r = 0; r < xf_nbool_rules; r++) {
            const struct xf_bool_rule *br = &xf_bool_rules[r];
            if (negated && !br->negative)
                continue;
            if (!xf_pattern_find(xf_bool_re[r].subject, t, sent.s, sent.e, &a, &b))
                continue;
            /* a negative statement must itself be the negation found */
            struct xf_figure f;
            memset(&f, 0, sizeof f);
            f.field = xf_bool_re[r].field_index;
            f.value = br->value;
            f.text = dup_span(t, a, b);
            f.keyword = dup_span(t, a, b);
            f.numeral = strdup("");
            f.unit = strdup("");
            f.sentence = dup_span(t, sent.s, sent.e);
            f.numeral_kind = xf_extract_fields[xf_bool_re[r].field_index].kind == XF_EX_BOOL
                                 ? "boolean"
                                 : "statement";
            xf_norm_where(c->nt, a, &f.line, &f.column);
            if (f.text == NULL || f.keyword == NULL || f.numeral == NULL || f.unit == NULL ||
                f.sentence == NULL || add_candidate(c, &f, false) != 0) {
                figure_free(&f);
                return -1;
            }
        }
    }
    return 0;
}

static int cmp_figure_pos(const void *pa, const void *pb)
{
    const struct xf_figure *a = pa, *b = pb;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->column != b->column)
        return a->column < b->column ? -1 : 1;
    return a->field - b->field;
}

/*
 * One value per field: the figures agree, or one of them is a total (共/合计) and the
 * others its parts; else every one of them is listed as a conflict and none is a value.
 */
static int reconcile(struct extract_ctx *c)
{
    struct xf_extract *x = c->x;
    for (int f = 0; f < xf_extract_nfields; f++) {
        int n = 0, ntotal = 0, total_at = -1;
        bool agree = true;
        double first = 0;
        for (int i = 0; i < c->ncand; i++) {
            if (c->cand[i].field != f)
                continue;
            if (n == 0)
                first = c->cand[i].value;
            else if (fabs(c->cand[i].value - first) > 1e-9)
                agree = false;
            if (c->cand_total[i]) {
                ntotal++;
                total_at = i;
            }
            n++;
        }
        if (n == 0)
            continue;
        double chosen = first;
        if (!agree && ntotal >= 1) {
            /* the totals must agree among themselves */
            bool totals_agree = true;
            for (int i = 0; i < c->ncand; i++) {
                if (c->cand[i].field == f && c->cand_total[i] &&
                    fabs(c->cand[i].value - c->cand[total_at].value) > 1e-9)
                    totals_agree = false;
            }
            if (totals_agree) {
                chosen = c->cand[total_at].value;
                agree = true;
            }
        }
        for (int i = 0; i < c->ncand; i++) {
            struct xf_figure *cf = &c->cand[i];
            if (cf->field != f)
                continue;
            if (agree && fabs(cf->value - chosen) <= 1e-9) {
                if (push_figure(&x->evidence, &x->nevidence, &x->evidence_cap, cf) != 0)
                    return -1;
            } else if (agree) {
                figure_free(cf); /* a part of the total */
            } else {
                cf->approximate = true;
                cf->reason = "conflict";
                cf->reason_zh = "文中该项有不同的数";
                if (push_figure(&x->approx, &x->napprox, &x->approx_cap, cf) != 0)
                    return -1;
            }
            cf->field = -1;
        }
        if (agree) {
            x->has_value[f] = true;
            x->value[f] = chosen;
        }
    }
    free(c->cand);
    c->cand = NULL;
    c->ncand = 0;
    if (x->nevidence > 1)
        qsort(x->evidence, (size_t)x->nevidence, sizeof *x->evidence, cmp_figure_pos);
    if (x->napprox > 1)
        qsort(x->approx, (size_t)x->napprox, sizeof *x->approx, cmp_figure_pos);
    return 0;
}

int xf_extract_text(const char *text, size_t len, struct xf_extract *x, char *err, size_t errlen)
{
    memset(x, 0, sizeof *x);
    const struct xf_patterns *pt = xf_patterns_get();
    if (pt == NULL) {
        util_set_err(err, errlen, "cannot compile the extraction patterns");
        return -1;
    }
    if (xf_extract_nfields > XF_EXTRACT_MAX_FIELDS) {
        util_set_err(err, errlen, "too many extraction fields");
        return -1;
    }
    struct xf_norm nt;
    if (xf_norm_build(pt, text, len, &nt) != 0) {
        util_set_err(err, errlen, "out of memory");
        return -1;
    }
    struct extract_ctx c;
    memset(&c, 0, sizeof c);
    c.pt = pt;
    c.nt = &nt;
    c.t = nt.text.data != NULL ? nt.text.data : "";
    c.x = x;
    int rc = -1;
    {
        /* a year's summary says so at its start, and does not name a term there */
        size_t head = nt.text.len < 400 ? nt.text.len : 400, a, b;
        while (head > 0 && head < nt.text.len && ((unsigned char)c.t[head] & 0xc0) == 0x80)
            head--;
        c.year_summary = xf_pattern_find(pt->year_summary, c.t, 0, head, &a, &b) &&
                         !xf_pattern_find(pt->term_word, c.t, 0, head, &a, &b);
    }
    if (split_sentences(&c) != 0 || find_mentions(&c) != 0 || match_mentions(&c) != 0 ||
        match_booleans(&c) != 0 || reconcile(&c) != 0) {
        util_set_err(err, errlen, "out of memory");
        goto out;
    }
    rc = 0;
out:
    for (int i = 0; i < c.ncand; i++) {
        if (c.cand[i].field >= 0)
            figure_free(&c.cand[i]);
    }
    free(c.cand);
    free(c.cand_total);
    free(c.sentences);
    free(c.m);
    xf_norm_free(&nt);
    return rc;
}

void xf_extract_clear(struct xf_extract *x)
{
    if (x == NULL)
        return;
    for (int i = 0; i < x->nevidence; i++)
        figure_free(&x->evidence[i]);
    for (int i = 0; i < x->napprox; i++)
        figure_free(&x->approx[i]);
    free(x->evidence);
    free(x->approx);
    memset(x, 0, sizeof *x);
}
