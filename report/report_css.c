/* report_css.c - the one stylesheet of every HTML page: each rule once, composed per page. */
#include "report/report_css.h"

/*
 * Each rule is written once below; a page's sheet is the rules it uses, in one order, put
 * together at compile time. The two kinds of page differ only where a measure is a
 * parameter of a rule: the width of the text (the audit's table of clauses is wider) and
 * how small the printed tables are (the audit prints twenty clauses to a line).
 */

#define CSS_HEAD                                                                                   \
    "<style>\n"                                                                                    \
    ":root{color-scheme:light}\n"
#define CSS_BODY(max_width)                                                                        \
    "body{font-family:\"Noto Sans CJK SC\",\"Source Han Sans SC\",\"WenQuanYi Micro Hei\","        \
    "\"Microsoft YaHei\",\"PingFang SC\",\"DejaVu Sans\",sans-serif;color:#1a1a1a;"                \
    "background:#fff;margin:0 auto;max-width:" max_width ";padding:24px 32px;font-size:14px;"      \
    "line-height:1.5}\n"
#define CSS_HEADINGS                                                                               \
    "header{border-bottom:2px solid #1a1a1a;margin-bottom:8px}\n"                                  \
    "h1{font-size:24px;margin:0 0 4px}\n"                                                          \
    "h2{font-size:18px;margin:28px 0 8px;padding-left:8px;border-left:4px solid #1f4e79}\n"        \
    "h2 .en{font-weight:normal;color:#444;font-size:15px;margin-left:10px}\n"
#define CSS_H3 "h3{font-size:15px;margin:14px 0 6px}\n"
#define CSS_TABLES                                                                                 \
    ".meta{color:#444;margin:2px 0 8px}\n"                                                         \
    ".version{font-weight:bold;margin:2px 0 8px}.published{color:#1b5e20}.draft{color:#b71c1c}\n"  \
    ".note{color:#555;font-size:12px;margin:4px 0 12px}\n"                                         \
    "table{border-collapse:collapse;width:100%;margin:6px 0 14px;font-size:13px}\n"                \
    "th,td{border:1px solid #b8b8b8;padding:4px 8px}\n"                                            \
    "th{background:#eef1f5;font-weight:600;text-align:center}\n"                                   \
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"              \
    "td.code{white-space:nowrap}\n"                                                                \
    "tr.city td{font-weight:600;background:#f7f7f7}\n"
/* an indicator's status: met, not met, no data, no target */
#define CSS_STATUS                                                                                 \
    "td.st{white-space:nowrap;text-align:center}\n"                                                \
    ".st-met{color:#1b5e20}\n"                                                                     \
    ".st-not_met{color:#b71c1c;font-weight:600}\n"                                                 \
    ".st-no_data,.st-no_target{color:#555}\n"
#define CSS_LINKS "a{color:inherit}\n"
/* a version's mark (已发布 LABEL or 草稿) in the corner of every printed page: an element fixed
 * to the page is repeated on each one when printed */
#define CSS_MARK ".print-mark{display:none}\n"
#define CSS_PRINT_MARK                                                                             \
    ".print-mark{display:block;position:fixed;top:0;right:0;font-size:8pt;font-weight:700;"        \
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
#define CSS_DEFINITION                                                                             \
    ".definition{border:1px solid #ccc;background:#f7f7f7;padding:6px 10px;font-size:13px;"        \
    "margin:6px 0}\n"
/* a clause's result: pass, fail, unknown; and the details of a school */
#define CSS_RESULTS                                                                                \
    "td.r{text-align:center;white-space:nowrap;font-weight:700}\n"                                 \
    ".r-pass{color:#1b5e20;background:#e8f5e9}\n"                                                  \
    ".r-fail{color:#b71c1c;background:#ffebee}\n"                                                  \
    ".r-unknown{color:#555;background:#f1f1f1}\n"                                                  \
    "td.detail{font-size:12px}\n"                                                                  \
    "td.detail div{margin:1px 0}\n"
#define CSS_CHARTS                                                                                 \
    "figure{margin:8px 0 4px}\n"                                                                   \
    "svg{display:block;max-width:100%;height:auto}\n"                                              \
    "svg text{font-size:12px;fill:#1a1a1a}\n"                                                      \
    "svg .muted{fill:#666}\n"
#define CSS_BAR_LABELS                                                                             \
    "svg .city{font-weight:700}\n"                                                                 \
    "svg .value{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}\n"
/* printed: A4; the parameters are the selectors a page adds and its printed table's size */
#define CSS_PRINT_BEGIN                                                                            \
    "@page{size:A4;margin:14mm}\n"                                                                 \
    "@media print{\n"                                                                              \
    "body{max-width:none;padding:0;font-size:10.5pt}\n"
#define CSS_PRINT_BREAK(more)                                                                      \
    "section.indicator" more "{break-before:page;page-break-before:always}\n"
#define CSS_PRINT_TABLE(font, padding)                                                             \
    "table{font-size:" font "}\n"                                                                  \
    "th,td{padding:" padding "}\n"
#define CSS_PRINT_KEEP(more) "figure,tr" more "{break-inside:avoid;page-break-inside:avoid}\n"
#define CSS_PRINT_HEADER "thead{display:table-header-group}\n"
#define CSS_PRINT_PLAIN(more) "th,tr.city td" more "{background:none}\n"
#define CSS_PRINT_LINKS "a{text-decoration:none}\n"
#define CSS_PRINT_RESULTS                                                                          \
    ".r-pass,.r-fail,.r-unknown{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
#define CSS_TAIL                                                                                   \
    "}\n"                                                                                          \
    "</style>\n"

static const char indicators_style[] =
    CSS_HEAD CSS_BODY("1040px") CSS_HEADINGS CSS_H3 CSS_TABLES CSS_STATUS CSS_LINKS CSS_MARK
        CSS_DEFINITION CSS_CHARTS CSS_BAR_LABELS CSS_PRINT_BEGIN CSS_PRINT_BREAK(",#summary")
            CSS_PRINT_TABLE("9pt", "3px 5px") CSS_PRINT_KEEP(",.definition")
                CSS_PRINT_HEADER CSS_PRINT_PLAIN(",.definition")
                    CSS_PRINT_LINKS CSS_PRINT_MARK CSS_TAIL;

static const char readable_style[] = CSS_HEAD CSS_BODY("1200px")
    CSS_HEADINGS CSS_TABLES CSS_RESULTS CSS_CHARTS CSS_PRINT_BEGIN CSS_PRINT_BREAK("")
        CSS_PRINT_TABLE("8pt", "2px 4px") CSS_PRINT_KEEP("") CSS_PRINT_HEADER CSS_PRINT_PLAIN("")
            CSS_PRINT_RESULTS CSS_TAIL;

/* the drill-down pages: a table of contents, the lists' empty state, the day chart's lines */
#define CSS_PAGES                                                                                  \
    "nav ul{margin:4px 0 10px;padding-left:20px;columns:3}\n"                                      \
    "section.district{border-top:1px solid #ccc;margin-top:18px}\n"                                \
    ".empty{color:#555;font-size:13px;margin:2px 0 10px}\n"                                        \
    "svg .reported{stroke:#1f4e79;stroke-width:2.5;fill:none}\n"                                   \
    "svg .on-time{stroke:#2e7d32;stroke-width:2;stroke-dasharray:6 3;fill:none}\n"                 \
    "svg .deadline{stroke:#c62828;stroke-width:1.5;stroke-dasharray:3 3}\n"                        \
    "td.ref{white-space:normal;word-break:break-all;font-size:12px}\n"

static const char pages_style[] = CSS_HEAD CSS_BODY("1200px") CSS_HEADINGS CSS_H3 CSS_TABLES
    CSS_RESULTS CSS_LINKS CSS_CHARTS CSS_PAGES CSS_PRINT_BEGIN CSS_PRINT_BREAK(",section.district")
        CSS_PRINT_TABLE("8pt", "2px 4px") CSS_PRINT_KEEP("") CSS_PRINT_HEADER CSS_PRINT_PLAIN("")
            CSS_PRINT_LINKS CSS_PRINT_RESULTS CSS_TAIL;

const char *report_css_style(enum report_css_page page)
{
    if (page == REPORT_CSS_PAGES)
        return pages_style;
    return page == REPORT_CSS_INDICATORS ? indicators_style : readable_style;
}
