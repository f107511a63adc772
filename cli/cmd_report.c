/* cmd_report.c - the reporting commands: report, audit, review, quality, status. Each parses
 * its options (cli/cli_scope.c) and calls one job of report/. */
#include <stdint.h>
#include <stdio.h>

#include "cli/cli.h"
#include "common/log.h"

#define NOPTS(a) (sizeof(a) / sizeof((a)[0]))

int cmd_report(struct cli *c)
{
    bool no_by_type = false, versions = false;
    const char *publish = NULL, *version = NULL;
    const struct cli_opt own[] = {
        {"no-by-type", NULL, "leave out the school-type rows", CLI_OPT_FLAG, &no_by_type, 0, 0,
         NULL},
        {"publish", "LABEL",
         "also publish the report as version LABEL: stored with the\n"
         "fingerprints of its targets and inputs, never changed again",
         CLI_OPT_STRING, &publish, 0, 0, NULL},
        {"version", "LABEL",
         "write published version LABEL again, exactly as published, as\n"
         "indicators-SCOPE-LABEL.EXT",
         CLI_OPT_STRING, &version, 0, 0, NULL},
        {"versions", NULL,
         "list the published versions: label, scope, when, and the\n"
         "fingerprints of their inputs and targets",
         CLI_OPT_FLAG, &versions, 0, 0, NULL},
    };
    const struct cli_scope_spec spec = {
        "Usage: xinyu report (--year Y | --period P) [--format LIST] [--out DIR] [--no-by-type]\n"
        "                    [--publish LABEL]\n"
        "       xinyu report --version LABEL [--format LIST] [--out DIR]\n"
        "       xinyu report --versions\n"
        "\n"
        "Writes the indicator report of a review year (its terms come from the year's targets\n"
        "file) or of one term, per district and city-wide, with the school-type breakdown.\n",
        CLI_SCOPE_YEAR | CLI_SCOPE_PERIOD | CLI_SCOPE_FORMAT | CLI_SCOPE_OUT | CLI_SCOPE_LANG,
        NULL,
        NULL,
        NULL,
        own,
        NOPTS(own)};
    struct report_ctx ctx;
    struct report_scope scope;
    int rc = cli_scope_parse(c, &spec, &ctx, &scope);
    if (rc >= 0)
        return rc;
    ctx.by_type = ctx.by_type && !no_by_type;
    if (versions) {
        if (scope.year != 0 || scope.period != NULL || publish != NULL || version != NULL) {
            cli_scope_usage(&spec, stderr);
            return EXIT_USAGE;
        }
        rc = cli_resolve_db(c);
        return rc != 0 ? rc : report_versions_print(&ctx);
    }
    if (version != NULL && scope.year == 0 && scope.period == NULL && publish == NULL) {
        rc = cli_resolve_db(c);
        return rc != 0 ? rc : report_version_write(&ctx, version);
    }
    if ((scope.year == 0) == (scope.period == NULL) || version != NULL) {
        cli_scope_usage(&spec, stderr);
        return EXIT_USAGE;
    }
    rc = cli_resolve_db(c);
    if (rc != 0)
        return rc;
    ctx.empty_warns = true;
    if (publish != NULL) {
        rc = report_publish_check(&ctx, publish);
        return rc != 0 ? rc : report_indicators_publish(&ctx, &scope, publish);
    }
    return report_indicators_write(&ctx, &scope);
}

int cmd_audit(struct cli *c)
{
    const struct cli_scope_spec spec = {
        "Usage: xinyu audit --year Y [--format LIST] [--out DIR] [--lang zh|en]\n"
        "\n"
        "Audits every active school against the characteristic-school standard for a review\n"
        "year (its terms come from the year's targets file): clauses 6, 7, 9, 10, 11, 14, 15,\n"
        "16, 17, 2/4 and the one-vote veto 18, each pass, fail or unknown (inputs missing) with\n"
        "the reason, one \"overall\" row per school, and per district the schools passing.\n"
        "Writes audit-Y.json, audit-Y.csv and audit-Y-districts.csv (html: audit-Y.html,\n"
        "xlsx: audit-Y.xlsx with the rows and the districts).\n",
        CLI_SCOPE_YEAR | CLI_SCOPE_FORMAT | CLI_SCOPE_OUT | CLI_SCOPE_LANG,
        "json,csv",
        NULL,
        "language of the details (default: the configuration's, zh)",
        NULL,
        0};
    struct report_ctx ctx;
    struct report_scope scope;
    int rc = cli_scope_parse(c, &spec, &ctx, &scope);
    if (rc >= 0)
        return rc;
    if (scope.year == 0) {
        cli_scope_usage(&spec, stderr);
        return EXIT_USAGE;
    }
    rc = cli_resolve_db(c);
    ctx.empty_warns = true;
    return rc != 0 ? rc : report_audit_write(&ctx, scope.year);
}

int cmd_review(struct cli *c)
{
    int from = 0, to = 0;
    const struct cli_opt own[] = {
        {"from", "Y1", "the first review year", CLI_OPT_INT, &from, 2000, 2100, NULL},
        {"to", "Y2", "the last review year (Y1 <= Y2)", CLI_OPT_INT, &to, 2000, 2100, NULL},
    };
    const struct cli_scope_spec spec = {
        "Usage: xinyu review --from Y1 --to Y2 [--format LIST] [--out DIR]\n"
        "\n"
        "Progress against the work points: for each indicator, per district and city-wide,\n"
        "the value and the target of every review year from Y1 to Y2 that has a targets file,\n"
        "the change from the year before, and for targets with a final year whether the\n"
        "linear projection of the last two years reaches the final value in time.\n"
        "Writes review-Y1-Y2.json and review-Y1-Y2.csv (also .html and .xlsx on request).\n",
        CLI_SCOPE_FORMAT | CLI_SCOPE_OUT,
        "json,csv",
        NULL,
        NULL,
        own,
        NOPTS(own)};
    struct report_ctx ctx;
    struct report_scope scope;
    int rc = cli_scope_parse(c, &spec, &ctx, &scope);
    if (rc >= 0)
        return rc;
    if (from == 0 || to == 0) {
        cli_scope_usage(&spec, stderr);
        return EXIT_USAGE;
    }
    if (from > to) {
        log_error("--from %d is after --to %d", from, to);
        return EXIT_USAGE;
    }
    rc = cli_resolve_db(c);
    return rc != 0 ? rc : report_review_write(&ctx, from, to);
}

int cmd_quality(struct cli *c)
{
    int64_t run_id = 0;
    const struct cli_opt own[] = {
        {"run", "ID",
         "only the rejections, warnings, outliers and letters of what run ID\nreceived",
         CLI_OPT_INT64, &run_id, 1, INT64_MAX, "a run id (see xinyu status)"},
    };
    const struct cli_scope_spec spec = {
        "Usage: xinyu quality (--year Y | --period P) [--run ID] [--out DIR]\n"
        "\n"
        "The data-quality and completeness report of a review year or a term: schools that\n"
        "did not report, late submissions, rejected submissions with every reason, warnings,\n"
        "outliers (more than 10x the district median; pupils, classes or teachers changed\n"
        "more than 3x from at least 10 in the previous term) and the counts per term. Writes\n"
        "quality-SCOPE.json, one CSV per list, and a letter to each school with a problem:\n"
        "feedback/SCHOOL-PERIOD.txt (Chinese).\n"
        "\"xinyu run\" writes the same for what the run received and for every problem not\n"
        "yet sent to a school (of an earlier run that ended before its report), and records\n"
        "them as sent once the files are written.\n",
        CLI_SCOPE_YEAR | CLI_SCOPE_PERIOD | CLI_SCOPE_OUT,
        NULL,
        "one term, e.g. 2024-2025-1 (deadline from the targets file listing it)",
        NULL,
        own,
        NOPTS(own)};
    struct report_ctx ctx;
    struct report_scope scope;
    int rc = cli_scope_parse(c, &spec, &ctx, &scope);
    if (rc >= 0)
        return rc;
    if ((scope.year == 0) == (scope.period == NULL)) {
        cli_scope_usage(&spec, stderr);
        return EXIT_USAGE;
    }
    rc = cli_resolve_db(c);
    return rc != 0 ? rc : report_quality_write(&ctx, run_id, &scope, false, NULL);
}

int cmd_status(struct cli *c)
{
    int nruns = 10;
    const struct cli_opt own[] = {
        {"runs", "N", "how many of the last runs to show (default: 10)", CLI_OPT_INT, &nruns, 1,
         1000, NULL},
    };
    const struct cli_scope_spec spec = {
        "Usage: xinyu status [--runs N] [--lang zh|en]\n"
        "\n"
        "Shows the last runs (counts reconcile: received = loaded + duplicate + superseded +\n"
        "rejected), the spool files that could not be read and wait for the next run, then\n"
        "the problems and the rejected submissions of the last run that received anything,\n"
        "with every reason, in the configuration's report.lang (default zh) or --lang.\n",
        CLI_SCOPE_LANG,
        NULL,
        NULL,
        NULL,
        own,
        NOPTS(own)};
    struct report_ctx ctx;
    struct report_scope scope;
    int rc = cli_scope_parse(c, &spec, &ctx, &scope);
    return rc >= 0 ? rc : report_status_print(&ctx, nruns);
}
