/* report_css.h - the one stylesheet of every HTML page Xinyu writes. */
#ifndef XINYU_REPORT_CSS_H
#define XINYU_REPORT_CSS_H

/* The pages, which differ in the parts of the sheet they use and in a few measures. */
enum report_css_page {
    REPORT_CSS_INDICATORS, /* the indicator report: status cells, definitions, bar charts */
    REPORT_CSS_READABLE,   /* audit and review: result marks, details, line charts */
    REPORT_CSS_PAGES       /* the quality page and the school pages: links, lists, day charts */
};

/* The page's whole <style> element with its line end ("<style>\n...</style>\n"); a string
 * constant, never NULL (an unknown page gets the readable pages' sheet). */
const char *report_css_style(enum report_css_page page);

#endif
