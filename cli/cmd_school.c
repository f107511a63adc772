/* cmd_school.c - xinyu school CODE: the page of one school (report/report_pages.h). */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "report/report_pages.h"

/* Whether option a (without "=value") is followed by its value. */
static bool takes_value(const char *a)
{
    static const char *const with_value[] = {"--year", "--period", "--out", "--lang"};
    for (size_t i = 0; i < sizeof with_value / sizeof with_value[0]; i++) {
        if (strcmp(a, with_value[i]) == 0)
            return true;
    }
    return false;
}

int cmd_school(struct cli *c)
{
    const struct cli_scope_spec spec = {
        "Usage: xinyu school CODE [--year Y | --period P] [--out DIR] [--lang zh|en]\n"
        "\n"
        "Writes the page of one school, OUT/schools/CODE.html and CODE.json: its registry\n"
        "entry, its status in every term, the values of its accepted submissions under their\n"
        "Chinese labels, every version it sent with the reasons of the rejected ones, and its\n"
        "audit per review year, with links back to the city's and district's pages in OUT.\n"
        "Without --year or --period, every term and every review year with a targets file.\n"
        "The quality report and the audit's page write the pages of the schools they list.\n",
        CLI_SCOPE_YEAR | CLI_SCOPE_PERIOD | CLI_SCOPE_OUT | CLI_SCOPE_LANG,
        NULL,
        NULL,
        NULL,
        NULL,
        0};
    /* the school's code is the one argument that is neither an option nor an option's value */
    const char *code = NULL;
    char **argv = calloc((size_t)c->argc_cmd + 1, sizeof *argv);
    if (argv == NULL)
        return EXIT_FATAL;
    int argc = 0;
    for (int i = 0; i < c->argc_cmd; i++) {
        const char *a = c->argv_cmd[i];
        if (i > 0 && code == NULL && a[0] != '-' && !takes_value(c->argv_cmd[i - 1])) {
            code = a;
            continue;
        }
        argv[argc++] = c->argv_cmd[i];
    }
    int saved_argc = c->argc_cmd;
    char **saved_argv = c->argv_cmd;
    c->argc_cmd = argc;
    c->argv_cmd = argv;
    struct report_ctx ctx;
    struct report_scope scope;
    int rc = cli_scope_parse(c, &spec, &ctx, &scope);
    c->argc_cmd = saved_argc;
    c->argv_cmd = saved_argv;
    free(argv);
    if (rc >= 0)
        return rc;
    if (code == NULL || (scope.year != 0 && scope.period != NULL)) {
        cli_scope_usage(&spec, stderr);
        return EXIT_USAGE;
    }
    /* a malformed code is refused before any database is started or reached */
    if (!report_school_code_check(code))
        return EXIT_USAGE;
    rc = cli_resolve_db(c);
    return rc != 0 ? rc : report_school_write(&ctx, &scope, code);
}
