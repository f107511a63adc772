/* xform_extract_rules.h - the extractor's rules: which words name which field of a summary. */
#ifndef XINYU_XFORM_EXTRACT_RULES_H
#define XINYU_XFORM_EXTRACT_RULES_H

#include "transform/xform_extract_int.h"

enum {
    XF_R_TERM = 1 << 0,     /* a figure of the term: another period's figure is not it */
    XF_R_PER_OK = 1 << 1,   /* "每周", "每班", "人均" belong to the figure itself */
    XF_R_WEEK = 1 << 2,     /* per week: must say 每周 (每天/每月 make it ambiguous) */
    XF_R_PERSON = 1 << 3,   /* per person: must say 人均/每人/每位 */
    XF_R_LESSONS = 1 << 4,  /* per class and week: "每两周一节" is half a lesson a week */
    XF_R_WEAK = 1 << 5,     /* named by a verb only: any other rule that fits wins */
    XF_R_CLAUSE = 1 << 6,   /* exclude is searched in the whole clause, not only between */
    XF_R_QUALIFIER = 1 << 7 /* a part of another count ("持C证的学科教师"): on the same side
                             * of the number it wins over the count it qualifies */
};

/* One way a field is named next to a number. Patterns are PCRE2 in UTF mode, on the
 * normalised text (ASCII punctuation). */
struct xf_rule {
    const char *field;
    const char *units;     /* accepted units, "名|人|位" */
    const char *ambiguous; /* units that make the figure ambiguous, or NULL */
    const char *subject;   /* the words naming the field, searched on both sides */
    const char *context;   /* the sentence must match this, or NULL */
    const char *near;      /* the clause must match this, or NULL */
    const char *exclude;   /* between the words and the number: not this field */
    unsigned flags;
    int reach; /* farthest the words may stand from the number, in characters */
};
extern const struct xf_rule xf_rules[];
extern const int xf_nrules;

/* A rule compiled (xf_patterns_get fills these in, index for index). */
struct xf_rule_re {
    int field_index;
    pcre2_code *subject, *context, *near, *exclude;
};
#define XF_MAX_RULES 64
extern struct xf_rule_re xf_rule_re[XF_MAX_RULES];

/* A yes/no (or zero) said in a sentence of fact: value when pattern matches. */
struct xf_bool_rule {
    const char *field;
    int value;
    const char *pattern;
    bool negative; /* the statement itself is a negation ("未发生"): do not skip it for that */
};
extern const struct xf_bool_rule xf_bool_rules[];
extern const int xf_nbool_rules;
#define XF_MAX_BOOL_RULES 16
extern struct xf_rule_re xf_bool_re[XF_MAX_BOOL_RULES]; /* subject is the pattern */

#endif
