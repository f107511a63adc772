/* cmd_check.c - "xinyu check": a school's own check of its files, no database needed. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/buf.h"
#include "common/log.h"
#include "ingest/ingest.h"
#include "transform/xform.h"
#include "transform/xform_workbook.h"

struct check {
    buf shown[2]; /* a file name and a reason as printed: control characters visible */
    const struct xf_registry *registry;
    enum xf_lang lang; /* of everything printed: the reasons, the words, the summary */
    const char *file;
    long items;
    long invalid;
    long warned;
    long unreadable; /* files that are not submissions or cannot be read */
};

/* Prints the verdict on one submission and every reason, in the language asked for. */
static void show_result(struct check *k, const char *ref, int verdict,
                        const struct xf_submission *sub, const struct xf_result *res)
{
    if (verdict == 1)
        k->invalid++;
    else if (res->nwarnings > 0)
        k->warned++;
    enum xf_lang lang = k->lang;
    printf("%s: %s", ref,
           verdict == 1         ? XF_TEXT(lang, CHECK_REJECTED)
           : res->nwarnings > 0 ? XF_TEXT(lang, CHECK_WARNED)
                                : XF_TEXT(lang, CHECK_OK));
    if (verdict == 0)
        printf(XF_TEXT(lang, CHECK_SCHOOL_TERM), sub->school_code, sub->period);
    putchar('\n');
    for (int i = 0; i < res->nissues; i++) {
        const struct xf_issue *is = &res->issues[i];
        const char *word =
            is->severity == XF_REJECT ? XF_TEXT(lang, CHECK_ERROR) : XF_TEXT(lang, CHECK_WARNING);
        /* the Chinese text names the field itself, its path in parentheses */
        if (lang == XF_LANG_ZH && is->message_zh[0] != '\0')
            printf("    %s：%s\n", word, buf_printable_str(&k->shown[1], is->message_zh));
        else
            printf("    %s: %s%s%s\n", word, is->path, is->path[0] ? ": " : "",
                   buf_printable_str(&k->shown[1], is->message));
    }
    if (res->truncated)
        printf(lang == XF_LANG_ZH ? "    %s：%s\n" : "    %s: %s\n",
               verdict == 1 ? XF_TEXT(lang, CHECK_ERROR) : XF_TEXT(lang, CHECK_WARNING),
               XF_TEXT(lang, CHECK_NOT_SHOWN));
}

/* A workbook's submission: the form, or a row of a roll-up ("FILE#汇总!ROW"). */
struct check_wb {
    struct check *k;
    const char *ref;
};

static int check_entry(const struct xf_wb_entry *e, void *ctx)
{
    struct check_wb *cw = ctx;
    struct check *k = cw->k;
    k->items++;
    struct xf_options opt = {k->registry, (int64_t)time(NULL)};
    struct xf_submission sub;
    struct xf_result res;
    memset(&sub, 0, sizeof sub);
    memset(&res, 0, sizeof res);
    int verdict = xf_wb_validate(e, &opt, &sub, &res);
    if (verdict >= 0) {
        char ref[4200];
        if (e->layout == XF_WB_ROLLUP)
            snprintf(ref, sizeof ref, "%s#%s!%u", cw->ref, e->sheet, (unsigned)e->row);
        else
            snprintf(ref, sizeof ref, "%s", cw->ref);
        show_result(k, ref, verdict, &sub, &res);
    }
    xf_submission_clear(&sub);
    xf_result_clear(&res);
    return verdict < 0;
}

static int check_item(const struct ingest_item *item, void *ctx)
{
    struct check *k = ctx;
    const char *ref = buf_printable_str(&k->shown[0], item->ref);
    if (item->error_code == NULL && item->workbook) {
        char *shown_ref = strdup(ref);
        if (shown_ref == NULL)
            return -1;
        struct check_wb cw = {k, shown_ref};
        struct xf_wb_read_opts ro = {.mtime_epoch = item->mtime_epoch};
        struct xf_wb_refusal why;
        int rc = xf_workbook_read(item->data, item->len, &ro, check_entry, &cw, &why);
        if (rc == 1) {
            k->items++;
            k->invalid++;
            printf("%s: rejected\n    error: %s\n", shown_ref,
                   buf_printable_str(&k->shown[1], why.message));
        }
        free(shown_ref);
        return rc < 0 ? -1 : 0;
    }
    k->items++;
    if (item->error_code != NULL) {
        k->invalid++;
        const char *why = item->error;
        if (k->lang == XF_LANG_ZH)
            why = strcmp(item->error_code, "gzip") == 0 ? XF_ZH(GZIP) : XF_ZH(TOO_LARGE);
        printf("%s: %s\n    %s\n", ref, XF_TEXT(k->lang, CHECK_REJECTED),
               buf_printable_str(&k->shown[1], why));
        return 0;
    }
    struct xf_options opt = {k->registry, (int64_t)time(NULL)};
    struct xf_submission sub;
    struct xf_result res;
    memset(&sub, 0, sizeof sub);
    memset(&res, 0, sizeof res);
    int verdict = xf_validate((const char *)item->data, item->len, &opt, &sub, &res);
    if (verdict >= 0)
        show_result(k, ref, verdict, &sub, &res);
    xf_submission_clear(&sub);
    xf_result_clear(&res);
    return verdict < 0 ? -1 : 0;
}

static void registry_line(int line, const char *message, void *ctx)
{
    log_error("%s:%d: %s", (const char *)ctx, line, message);
}

static void check_usage(FILE *out)
{
    fputs("Usage: xinyu check [--registry FILE] [--lang zh|en] FILE...\n"
          "\n"
          "Checks submission files (.json, .jsonl, .ndjson, their .gz forms, and workbooks\n"
          "filled in from the template, .xlsx) against the\n"
          "submission format and prints every reason per file, so that a school can check a\n"
          "file before sending it. With a registry (default: the configuration's, when it is\n"
          "readable) the school code is checked against it too. Exit status 1 when any\n"
          "submission would be rejected.\n"
          "\n"
          "  --lang zh|en      language of what is printed (default: the configuration's\n"
          "                    report.lang, zh); in zh each reason names the field by its\n"
          "                    Chinese label, with its path in parentheses\n",
          out);
}

int cmd_check(struct cli *c)
{
    static const struct option opts[] = {{"registry", required_argument, NULL, 'r'},
                                         {"lang", required_argument, NULL, 'l'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *registry = NULL;
    bool explicit_registry = false;
    enum xf_lang lang = XF_LANG_ZH;
    if (c->conf.lang != NULL && xf_lang_parse(c->conf.lang, &lang) != 0)
        lang = XF_LANG_ZH;
    int ch;
    while ((ch = getopt_long(c->argc_cmd, c->argv_cmd, "r:l:h", opts, NULL)) != -1) {
        if (ch == 'r') {
            registry = optarg;
            explicit_registry = true;
        } else if (ch == 'l') {
            if (xf_lang_parse(optarg, &lang) != 0) {
                log_error("--lang must be zh or en, not \"%s\"", optarg);
                return EXIT_USAGE;
            }
        } else if (ch == 'h') {
            check_usage(stdout);
            return EXIT_OK;
        } else {
            check_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= c->argc_cmd) {
        check_usage(stderr);
        return EXIT_USAGE;
    }
    if (registry == NULL && c->conf.registry != NULL && access(c->conf.registry, R_OK) == 0)
        registry = c->conf.registry;
    struct xf_registry *reg = NULL;
    if (registry != NULL) {
        reg = xf_registry_read(registry, registry_line, (void *)registry);
        if (reg == NULL) {
            log_error("cannot use the registry %s%s%s", registry, errno ? ": " : "",
                      errno ? strerror(errno) : "");
            return explicit_registry ? EXIT_USAGE : EXIT_FATAL;
        }
    }
    struct ingest_limits lim = {c->conf.max_submission_bytes, c->conf.max_file_bytes};
    struct check k = {{BUF_INIT, BUF_INIT}, reg, lang, NULL, 0, 0, 0, 0};
    int rc = EXIT_OK;
    for (int i = optind; i < c->argc_cmd; i++) {
        const char *file = c->argv_cmd[i];
        const char *shown_file = buf_printable_str(&k.shown[0], file);
        if (ingest_file_kind(file) == INGEST_NOT_INPUT) {
            printf("%s: %s\n", shown_file, XF_TEXT(lang, CHECK_NOT_INPUT));
            k.unreadable++;
            continue;
        }
        char *copy1 = strdup(file), *copy2 = strdup(file);
        if (copy1 == NULL || copy2 == NULL) {
            free(copy1);
            free(copy2);
            rc = EXIT_FATAL;
            break;
        }
        const char *dir = dirname(copy1);
        const char *base = basename(copy2);
        k.file = file;
        if (ingest_spool_read(dir, base, &lim, check_item, &k) != 0) {
            int saved = errno;
            printf("%s: ", buf_printable_str(&k.shown[0], file));
            printf(XF_TEXT(lang, CHECK_CANNOT_READ), strerror(saved));
            putchar('\n');
            k.unreadable++;
        }
        free(copy1);
        free(copy2);
    }
    xf_registry_free(reg);
    buf_free(&k.shown[0]);
    buf_free(&k.shown[1]);
    printf(XF_TEXT(lang, CHECK_SUMMARY), k.items, k.items - k.invalid - k.warned, k.warned,
           k.invalid);
    if (k.unreadable > 0)
        printf(XF_TEXT(lang, CHECK_NOT_CHECKED), k.unreadable);
    putchar('\n');
    if (rc == EXIT_OK && (k.invalid > 0 || k.unreadable > 0))
        rc = EXIT_PARTIAL;
    return rc;
}
