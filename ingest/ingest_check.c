/* ingest_check.c - "xinyu check": a school's own check of its files, read as the spool reads
 * them and validated as a load would, with every reason printed; no database needed. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/exit_codes.h"
#include "common/log.h"
#include "ingest/ingest_check.h"
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

int ingest_check_files(const struct ingest_check_opts *o, char *const *files, int nfiles)
{
    struct xf_registry *reg = NULL;
    if (o->registry != NULL) {
        reg = xf_registry_read(o->registry, registry_line, (void *)o->registry);
        if (reg == NULL) {
            log_error("cannot use the registry %s%s%s", o->registry, errno ? ": " : "",
                      errno ? strerror(errno) : "");
            return o->explicit_registry ? EXIT_USAGE : EXIT_FATAL;
        }
    }
    struct check k = {{BUF_INIT, BUF_INIT}, reg, o->lang, NULL, 0, 0, 0, 0};
    int rc = EXIT_OK;
    for (int i = 0; i < nfiles; i++) {
        const char *file = files[i];
        const char *shown_file = buf_printable_str(&k.shown[0], file);
        enum ingest_file_kind kind = ingest_file_kind(file);
        if (kind == INGEST_NOT_INPUT || kind == INGEST_SUMMARY) {
            printf("%s: %s\n", shown_file, XF_TEXT(o->lang, CHECK_NOT_INPUT));
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
        if (ingest_spool_read(dir, base, &o->limits, check_item, &k) != 0) {
            int saved = errno;
            printf("%s: ", buf_printable_str(&k.shown[0], file));
            printf(XF_TEXT(o->lang, CHECK_CANNOT_READ), strerror(saved));
            putchar('\n');
            k.unreadable++;
        }
        free(copy1);
        free(copy2);
    }
    xf_registry_free(reg);
    buf_free(&k.shown[0]);
    buf_free(&k.shown[1]);
    printf(XF_TEXT(o->lang, CHECK_SUMMARY), k.items, k.items - k.invalid - k.warned, k.warned,
           k.invalid);
    if (k.unreadable > 0)
        printf(XF_TEXT(o->lang, CHECK_NOT_CHECKED), k.unreadable);
    putchar('\n');
    if (rc == EXIT_OK && (k.invalid > 0 || k.unreadable > 0))
        rc = EXIT_PARTIAL;
    return rc;
}
