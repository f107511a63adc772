/*
 * terms.h - the words a person reads for the codes Xinyu stores: indicator statuses, school
 * types, audit results, review and run terms, in Chinese and English. The one catalogue of
 * them (the validator's reasons are transform/xform_messages.h): reports, letters, `status`
 * and `check` take their words from here, machine output keeps the codes.
 */
#ifndef XINYU_TERMS_H
#define XINYU_TERMS_H

#include <stdbool.h>
#include <stddef.h>

enum terms_kind {
    TERMS_STATUS,       /* met, not_met, no_data, no_target (INDICATORS.md) */
    TERMS_SCHOOL_TYPE,  /* primary … special (SUBMISSION.md, the registry) */
    TERMS_RESULT,       /* audit results: pass, fail, unknown */
    TERMS_BOOL,         /* true, false (on_track, resolved) */
    TERMS_RUN_STATUS,   /* running, ok, partial, failed, aborted */
    TERMS_RUN_KIND,     /* run, ingest, registry, report */
    TERMS_OUTCOME,      /* loaded, duplicate, superseded, rejected */
    TERMS_SEVERITY,     /* reject, warning (a submission's issues) */
    TERMS_OUTLIER_KIND, /* district_median, term_change */
    TERMS_CLAUSE, /* the audit's clauses by the standard's numbers: 6 配齐配好教师 … */
    TERMS_VERSION_STATE, /* a submission's version: current, superseded, rejected */
    TERMS_EVENT,         /* a run event's severity: error, warning, info */
    TERMS_KIND_COUNT
};

/* The word for code in Chinese (zh) or English; NULL when the code is not one of the kind's
 * (the caller then shows the code). A static string. */
const char *terms_word(enum terms_kind kind, const char *code, bool zh);

/* terms_word, or the code itself when it has no word (NULL stays NULL). */
const char *terms_show(enum terms_kind kind, const char *code, bool zh);

/* The place of a code in its kind's order (school types: the order of the stages, not of the
 * English names), or the kind's size when unknown; for sorting. */
size_t terms_rank(enum terms_kind kind, const char *code);

/* The number of codes of a kind, and the i-th (in its order); NULL past the end. */
size_t terms_count(enum terms_kind kind);
const char *terms_code(enum terms_kind kind, size_t i);

/* true when lang ("zh", "en" or NULL for the default, zh) asks for Chinese. */
bool terms_lang_zh(const char *lang);

#endif
