/* cmd_check.c - "xinyu check": options, then ingest_check_files. */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/log.h"
#include "ingest/ingest_check.h"

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
    struct ingest_check_opts o = {
        NULL, false, XF_LANG_ZH, {c->conf.max_submission_bytes, c->conf.max_file_bytes}};
    if (c->conf.lang != NULL && xf_lang_parse(c->conf.lang, &o.lang) != 0)
        o.lang = XF_LANG_ZH;
    int ch;
    while ((ch = getopt_long(c->argc_cmd, c->argv_cmd, "r:l:h", opts, NULL)) != -1) {
        if (ch == 'r') {
            o.registry = optarg;
            o.explicit_registry = true;
        } else if (ch == 'l') {
            if (xf_lang_parse(optarg, &o.lang) != 0) {
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
    if (o.registry == NULL && c->conf.registry != NULL && access(c->conf.registry, R_OK) == 0)
        o.registry = c->conf.registry;
    return ingest_check_files(&o, c->argv_cmd + optind, c->argc_cmd - optind);
}
