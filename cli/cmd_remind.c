/* cmd_remind.c - xinyu remind: reminders before a term's deadline (report/report_remind.c). */
#include <stdio.h>

#include "cli/cli.h"
#include "common/log.h"

int cmd_remind(struct cli *c)
{
    int days_before = 7;
    const struct cli_opt own[] = {
        {"days-before", "N",
         "remind only when the deadline is today or at most N days away\n(default: 7)", CLI_OPT_INT,
         &days_before, 0, 366, NULL},
    };
    const struct cli_scope_spec spec = {
        "Usage: xinyu remind --period P [--days-before N] [--out DIR] [--lang zh|en]\n"
        "\n"
        "Reminds every active school that has no loaded submission of term P before the\n"
        "term's deadline (from the targets file that lists it): a letter in Chinese to each\n"
        "school not reminded before, reminders/P/SCHOOL-P.txt, and a list per district,\n"
        "reminders/P/reminders-P-DISTRICT.csv and .xlsx. Each school is reminded once per\n"
        "term; a school that has reported gets none. Too early, or after the deadline (the\n"
        "quality report's not-reported list then names the schools), it says so and writes\n"
        "nothing.\n",
        CLI_SCOPE_PERIOD | CLI_SCOPE_OUT | CLI_SCOPE_LANG,
        NULL,
        "the term, e.g. 2024-2025-1 (its deadline from the targets file listing it)",
        "language of the messages on the terminal (default: the configuration's); the\n"
        "letters are in Chinese",
        own,
        sizeof own / sizeof own[0]};
    struct report_ctx ctx;
    struct report_scope scope;
    int rc = cli_scope_parse(c, &spec, &ctx, &scope);
    if (rc >= 0)
        return rc;
    if (scope.period == NULL) {
        cli_scope_usage(&spec, stderr);
        return EXIT_USAGE;
    }
    rc = cli_resolve_db(c);
    return rc != 0 ? rc : report_remind_write(&ctx, scope.period, days_before);
}
