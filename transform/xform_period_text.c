/* xform_period_text.c - a submission's period, with the reason a school reads in both
 * languages from the catalogue; the parsing itself is common/period.c's. */
#include <stdio.h>

#include "transform/xform.h"

/* The catalogue's words for why (common/period.h) into text. */
static void word(const struct period_why *why, struct xf_text *text)
{
    if (text == NULL)
        return;
    switch (why->fault) {
    case PERIOD_FAULT_NONE:
        text->en[0] = text->zh[0] = '\0';
        break;
    case PERIOD_FAULT_FORM:
        snprintf(text->en, sizeof text->en, "%s", XF_EN(PERIOD_FORM));
        snprintf(text->zh, sizeof text->zh, "%s", XF_ZH(PERIOD_FORM));
        break;
    case PERIOD_FAULT_YEAR_FORM:
        snprintf(text->en, sizeof text->en, "%s", XF_EN(PERIOD_YEAR_FORM));
        snprintf(text->zh, sizeof text->zh, "%s", XF_ZH(PERIOD_YEAR_FORM));
        break;
    case PERIOD_FAULT_YEAR_RANGE:
        snprintf(text->en, sizeof text->en, XF_EN(PERIOD_YEAR_RANGE), (int)why->a, PERIOD_YEAR_MIN,
                 PERIOD_YEAR_MAX);
        snprintf(text->zh, sizeof text->zh, XF_ZH(PERIOD_YEAR_RANGE), (int)why->a, PERIOD_YEAR_MIN,
                 PERIOD_YEAR_MAX);
        break;
    case PERIOD_FAULT_YEAR_SEQUENCE:
        snprintf(text->en, sizeof text->en, XF_EN(PERIOD_YEAR_SEQUENCE), (int)why->a, (int)why->b);
        snprintf(text->zh, sizeof text->zh, XF_ZH(PERIOD_YEAR_SEQUENCE), (int)why->a, (int)why->b);
        break;
    case PERIOD_FAULT_TERM:
        snprintf(text->en, sizeof text->en, XF_EN(PERIOD_TERM), why->a);
        snprintf(text->zh, sizeof text->zh, XF_ZH(PERIOD_TERM), why->a);
        break;
    }
}

int xf_period_parse_text(const char *text, char out[XF_PERIOD_LEN + 1], struct xf_text *why)
{
    struct period_why w;
    int rc = period_parse_why(text, out, &w);
    word(&w, why);
    return rc;
}

int xf_period_from_parts_text(const char *academic_year, long long term,
                              char out[XF_PERIOD_LEN + 1], struct xf_text *why)
{
    struct period_why w;
    int rc = period_from_parts_why(academic_year, term, out, &w);
    word(&w, why);
    return rc;
}
