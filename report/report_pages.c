/* report_pages.c - what the quality page and the school pages share: the words for the data's
 * codes, the HTML writer and the set of schools a page links to. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/terms.h"
#include "report/report_css.h"
#include "report/report_pages.h"
#include "transform/xform_labels.h"

static bool is_en(const char *lang)
{
    return lang != NULL && strcmp(lang, "en") == 0;
}

/* the catalogue's kinds (common/terms.h) by the pages' names for them */
static const enum terms_kind kinds[] = {
    [REPORT_WORD_SCHOOL_TYPE] = TERMS_SCHOOL_TYPE, [REPORT_WORD_RESULT] = TERMS_RESULT,
    [REPORT_WORD_SEVERITY] = TERMS_SEVERITY,       [REPORT_WORD_OUTLIER] = TERMS_OUTLIER_KIND,
    [REPORT_WORD_STATE] = TERMS_VERSION_STATE,
};

const char *report_word(enum report_word_kind kind, const char *code, const char *lang)
{
    if (code == NULL || (size_t)kind >= sizeof kinds / sizeof kinds[0])
        return code;
    return terms_show(kinds[kind], code, !is_en(lang));
}

const char *report_word_bool(bool v, const char *lang)
{
    return terms_word(TERMS_BOOL, v ? "true" : "false", !is_en(lang));
}

/* ---- HTML ------------------------------------------------------------------------------ */

void report_html_put(struct report_html *h, const char *s)
{
    if (h->rc == 0)
        h->rc = buf_puts(h->out, s);
}

void report_html_putf(struct report_html *h, const char *fmt, ...)
{
    if (h->rc != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    h->rc = buf_vprintf(h->out, fmt, ap);
    va_end(ap);
}

void report_html_esc(struct report_html *h, const char *s)
{
    if (s != NULL && h->rc == 0)
        h->rc = buf_html_escape(h->out, s, strlen(s));
}

void report_html_head(struct report_html *h, const char *lang, const char *title)
{
    report_html_putf(h, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n",
                     is_en(lang) ? "en" : "zh-CN");
    report_html_put(h, "<meta name=\"viewport\" content=\"width=device-width, "
                       "initial-scale=1\">\n<title>");
    report_html_esc(h, title);
    report_html_put(h, "</title>\n");
    report_html_put(h, report_css_style(REPORT_CSS_PAGES));
    report_html_put(h, "</head>\n<body>\n<header>\n<h1>");
    report_html_esc(h, title);
    report_html_put(h, "</h1>\n");
}

void report_html_field(struct report_html *h, const char *path, const char *lang)
{
    const char *zh = is_en(lang) ? NULL : xf_label_zh(path);
    /* a path of no field of the format (an unknown key, a derived figure such as
     * "enrollment.by_grade (4-12)") is still named in words first, the path after it */
    if (zh == NULL && !is_en(lang))
        zh = "字段";
    if (zh == NULL) {
        report_html_put(h, "<code>");
        report_html_esc(h, path);
        report_html_put(h, "</code>");
        return;
    }
    report_html_esc(h, zh);
    report_html_put(h, "<span class=\"path\">(");
    report_html_esc(h, path);
    report_html_put(h, ")</span>");
}

/* ---- the set of schools ----------------------------------------------------------------- */

int report_school_set_add(struct report_school_set *s, const char *code)
{
    if (code == NULL || strlen(code) != 10 || strspn(code, "0123456789") != 10)
        return 0;
    /* a list names a school on several rows in a row: one entry for them */
    if (s->n > 0 && strcmp(s->codes[s->n - 1], code) == 0)
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap > 0 ? s->cap * 2 : 64;
        char(*p)[16] = realloc(s->codes, cap * sizeof *p);
        if (p == NULL) {
            log_error("out of memory");
            return -1;
        }
        s->codes = p;
        s->cap = cap;
    }
    memcpy(s->codes[s->n++], code, 11);
    s->sorted = false;
    return 0;
}

static int code_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

void report_school_set_sort(struct report_school_set *s)
{
    if (s->sorted || s->n == 0)
        return;
    qsort(s->codes, s->n, sizeof s->codes[0], code_cmp);
    size_t kept = 1;
    for (size_t i = 1; i < s->n; i++) {
        if (strcmp(s->codes[i], s->codes[kept - 1]) != 0)
            memmove(s->codes[kept++], s->codes[i], sizeof s->codes[0]);
    }
    s->n = kept;
    s->sorted = true;
}

void report_school_set_free(struct report_school_set *s)
{
    if (s == NULL)
        return;
    free(s->codes);
    memset(s, 0, sizeof *s);
}
