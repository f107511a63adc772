/* xform_extract_int.h - what the extractor's files share: compiled patterns, normalised text. */
#ifndef XINYU_XFORM_EXTRACT_INT_H
#define XINYU_XFORM_EXTRACT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "common/buf.h"
#include "transform/xform_extract.h"

/* The patterns every extraction uses, compiled once for the process. */
struct xf_patterns {
    pcre2_code *value_cell; /* a table cell that is a numeral and perhaps a unit */
    pcre2_code *mention;    /* a numeral with its unit and approximation marks */
    pcre2_code *approx_before, *bound_before, *change_before, *per_unit, *other_period;
    pcre2_code *requirement, *plan, *bound_word, *fact_word, *total_word, *negation;
    pcre2_code *unit_in_label, *two_weeks, *separately, *carry, *conjunction;
    pcre2_code *this_term, *year_summary, *term_word, *unit_cell;
};

/* Compiles the patterns on first use (thread-safe). NULL when PCRE2 refused one (a bug). */
const struct xf_patterns *xf_patterns_get(void);
/* Compiles one UTF-8 pattern; NULL on error. */
pcre2_code *xf_pattern_compile(const char *pattern);
/* True when the whole of s (len bytes) matches re. */
bool xf_pattern_full_match(pcre2_code *re, const char *s, size_t len);
/* Searches [start, end) of s; true with *ms and *me the first match. */
bool xf_pattern_find(pcre2_code *re, const char *s, size_t start, size_t end, size_t *ms,
                     size_t *me);
/* The last match in [start, end) (by end); true with *ms and *me. */
bool xf_pattern_find_last(pcre2_code *re, const char *s, size_t start, size_t end, size_t *ms,
                          size_t *me);

/* The text prepared for matching: NFKC, spaces of OCR and brackets of the template
 * dropped, tables turned into "label:value;", wrapped lines joined. pos[i] is the
 * character of the input that byte i came from. */
struct xf_norm {
    buf text;
    uint32_t *pos;
    size_t pos_cap;
    uint32_t *line_orig; /* per input line: index of its first character */
    size_t nlines;
};

/* Builds nt from len bytes of valid UTF-8. Returns 0, or -1 when memory ran out. */
int xf_norm_build(const struct xf_patterns *pt, const char *in, size_t len, struct xf_norm *nt);
void xf_norm_free(struct xf_norm *nt);
/* Line and column (1-based, characters) in the input of byte of the normalised text. */
void xf_norm_where(const struct xf_norm *nt, size_t byte, int *line, int *column);

#endif
