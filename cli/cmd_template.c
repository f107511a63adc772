/* cmd_template.c - "xinyu template": options, then report_templates_write. */
#include <stdio.h>

#include "cli/cli.h"
#include "common/log.h"
#include "report/report_jobs.h"
#include "report/report_template.h"

int cmd_template(struct cli *c)
{
    struct report_template_job job = {.registry = c->conf.registry};
    const struct cli_opt own[] = {
        {"district", "D", "only the schools of district D (6 digits)", CLI_OPT_STRING,
         &job.district, 0, 0, NULL},
        {"school", "CODE", "only this school (also when inactive)", CLI_OPT_STRING, &job.school, 0,
         0, NULL},
        {"roll-up", NULL, "one workbook per district, one row per school", CLI_OPT_FLAG,
         &job.rollup, 0, 0, NULL},
        {"prefill", NULL,
         "fill in each school's latest loaded values of an earlier term\n(needs the database)",
         CLI_OPT_FLAG, &job.prefill, 0, 0, NULL},
        {"fill", "FILE",
         "with --school: fill in the figures of a JSON submission (a school\nmoving from JSON "
         "to the workbook; the demo's workbooks)",
         CLI_OPT_STRING, &job.fill, 0, 0, NULL},
        {"prefill-from", "SUMMARY",
         "with --school: fill in the exact figures of the school's work summary\n(.docx or "
         ".txt), each cell commented with its sentence",
         CLI_OPT_STRING, &job.prefill_from, 0, 0, NULL},
    };
    const struct cli_scope_spec spec = {
        "Usage: xinyu template --period P [--district D | --school CODE] [--roll-up]\n"
        "                      [--prefill | --fill FILE | --prefill-from SUMMARY] [--out DIR]\n"
        "\n"
        "Writes the Excel templates of term P (e.g. 2024-2025-1) from the school registry:\n"
        "one workbook per active school (CODE-P.xlsx), or with --roll-up one per district\n"
        "with a row per school (rollup-DISTRICT-P.xlsx). Identity cells are locked, input\n"
        "cells validated, with a Chinese hint each; see docs/TEMPLATE.md.\n",
        CLI_SCOPE_PERIOD | CLI_SCOPE_OUT,
        NULL,
        "the term the workbooks are for",
        NULL,
        own,
        sizeof own / sizeof own[0]};
    struct report_ctx ctx;
    struct report_scope scope;
    int rc = cli_scope_parse(c, &spec, &ctx, &scope);
    if (rc >= 0)
        return rc;
    if (scope.period == NULL || (job.district != NULL && job.school != NULL) ||
        (job.fill != NULL && (job.school == NULL || job.prefill || job.rollup)) ||
        (job.prefill_from != NULL &&
         (job.school == NULL || job.prefill || job.rollup || job.fill != NULL))) {
        cli_scope_usage(&spec, stderr);
        return EXIT_USAGE;
    }
    job.ctx = &ctx;
    job.period = scope.period;
    /* --out names the directory itself; without it the templates go under out_dir */
    job.out_dir = ctx.out_dir != c->conf.out_dir ? ctx.out_dir : NULL;
    return report_templates_write(&job);
}
