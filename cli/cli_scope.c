/* cli_scope.c - one parser for the options of the reporting commands, and their help. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "common/period.h"
#include "common/util.h"

/* The help texts of the scope options, as every reporting command shows them. */
static const struct {
    unsigned flag;
    const char *name, *arg, *help;
} scope_opts[] = {
    {CLI_SCOPE_YEAR, "year", "Y", "review year, e.g. 2024 (needs targets/Y.json)"},
    {CLI_SCOPE_PERIOD, "period", "P", "one term, e.g. 2024-2025-1"},
    {CLI_SCOPE_FORMAT, "format", "LIST", "comma-separated: json, csv, html, xlsx (default: %s)"},
    {CLI_SCOPE_OUT, "out", "DIR", "output directory (default: the configuration's out_dir)"},
    {CLI_SCOPE_LANG, "lang", "zh|en",
     "labels of the HTML and XLSX reports (default: the "
     "configuration's)"},
};
#define NSCOPE (sizeof scope_opts / sizeof scope_opts[0])
#define MAX_OPTS 16
#define HELP_COLUMN 20

static PGconn *connect_report(void *arg, const char *role, int *failed_rc)
{
    struct cli *c = arg;
    PGconn *conn = cli_connect(c, role);
    if (conn == NULL)
        *failed_rc = cli_connect_failed(c);
    return conn;
}

void cli_report_ctx(struct cli *c, struct report_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->connect = connect_report;
    ctx->connect_arg = c;
    ctx->targets_dir = c->conf.targets_dir;
    ctx->out_dir = c->conf.out_dir;
    ctx->lang = c->conf.lang;
    ctx->formats = c->conf.formats;
    ctx->by_type = c->conf.by_type;
}

/* One option's line(s): "  --name ARG", the help from HELP_COLUMN, its further lines
 * indented as far. */
static void help_line(FILE *out, const char *name, const char *arg, const char *help,
                      const char *format_default)
{
    char head[64];
    snprintf(head, sizeof head, "  --%s%s%s", name, arg ? " " : "", arg ? arg : "");
    fprintf(out, "%-*s", HELP_COLUMN, head);
    if (strlen(head) >= HELP_COLUMN)
        fprintf(out, "\n%*s", HELP_COLUMN, "");
    for (const char *p = help; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        /* the format option's default is the one piece that differs between commands */
        const char *mark = format_default ? strstr(p, "%s") : NULL;
        if (mark != NULL && (size_t)(mark - p) < len)
            fprintf(out, "%.*s%s%.*s", (int)(mark - p), p, format_default,
                    (int)(len - (size_t)(mark - p) - 2), mark + 2);
        else
            fprintf(out, "%.*s", (int)len, p);
        fputc('\n', out);
        p += len;
        if (*p == '\n') {
            p++;
            fprintf(out, "%*s", HELP_COLUMN, "");
        }
    }
}

void cli_scope_usage(const struct cli_scope_spec *spec, FILE *out)
{
    fputs(spec->synopsis, out);
    fputc('\n', out);
    for (size_t i = 0; i < NSCOPE; i++) {
        unsigned f = scope_opts[i].flag;
        if (!(spec->takes & f))
            continue;
        const char *help = scope_opts[i].help;
        if (f == CLI_SCOPE_PERIOD && spec->period_help != NULL)
            help = spec->period_help;
        if (f == CLI_SCOPE_LANG && spec->lang_help != NULL)
            help = spec->lang_help;
        help_line(out, scope_opts[i].name, scope_opts[i].arg, help,
                  f == CLI_SCOPE_FORMAT ? (spec->formats ? spec->formats : "the configuration's")
                                        : NULL);
    }
    for (size_t i = 0; i < spec->nopts; i++)
        help_line(out, spec->opts[i].name, spec->opts[i].arg, spec->opts[i].help, NULL);
}

/* An own option's value into its destination; 0, or -1 after logging. */
static int own_option(const struct cli_opt *o, const char *value)
{
    char name[40];
    snprintf(name, sizeof name, "--%s", o->name);
    switch (o->kind) {
    case CLI_OPT_STRING:
        *(const char **)o->dest = value;
        return 0;
    case CLI_OPT_FLAG:
        *(bool *)o->dest = true;
        return 0;
    case CLI_OPT_INT:
        return cli_int_option(name, value, (int)o->min, (int)o->max, o->dest);
    case CLI_OPT_INT64:
        if (util_parse_int64(value, o->min, o->max, o->dest) != 0) {
            log_error("%s must be %s, not \"%s\"", name, o->what, value);
            return -1;
        }
        return 0;
    }
    return -1;
}

/* A term given in any form that submissions may use (SUBMISSION.md: "2024-2025-1",
 * "2024-2025学年第一学期", ...) as the canonical one every report names; 0, or -1 after
 * logging. The canonical text lives as long as the process: a command parses once. */
static int canonical_period(const char *given, const char **out)
{
    static char canon[PERIOD_LEN + 1];
    char err[256];
    if (period_parse(given, canon, err, sizeof err) != 0) {
        log_error_detail("--period is not a term", err,
                         "Write a term as 2024-2025-1 or 2024-2025学年第一学期.");
        return -1;
    }
    *out = canon;
    return 0;
}

int cli_scope_parse(struct cli *c, const struct cli_scope_spec *spec, struct report_ctx *ctx,
                    struct report_scope *scope)
{
    cli_report_ctx(c, ctx);
    if (spec->formats != NULL)
        ctx->formats = spec->formats;
    memset(scope, 0, sizeof *scope);
    struct option opts[MAX_OPTS + NSCOPE + 2];
    size_t n = 0;
    /* a scope option's value is its flag; an own option's is 256 + its index */
    for (size_t i = 0; i < NSCOPE; i++) {
        if (spec->takes & scope_opts[i].flag)
            opts[n++] = (struct option){scope_opts[i].name, required_argument, NULL,
                                        (int)scope_opts[i].flag};
    }
    for (size_t i = 0; i < spec->nopts && i < MAX_OPTS; i++)
        opts[n++] =
            (struct option){spec->opts[i].name,
                            spec->opts[i].kind == CLI_OPT_FLAG ? no_argument : required_argument,
                            NULL, 256 + (int)i};
    opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
    opts[n] = (struct option){NULL, 0, NULL, 0};
    int ch;
    while ((ch = getopt_long(c->argc_cmd, c->argv_cmd, "h", opts, NULL)) != -1) {
        switch (ch) {
        case CLI_SCOPE_YEAR:
            if (cli_int_option("--year", optarg, 2000, 2100, &scope->year) != 0)
                return EXIT_USAGE;
            break;
        case CLI_SCOPE_PERIOD:
            if (canonical_period(optarg, &scope->period) != 0)
                return EXIT_USAGE;
            break;
        case CLI_SCOPE_FORMAT:
            ctx->formats = optarg;
            break;
        case CLI_SCOPE_OUT:
            ctx->out_dir = optarg;
            break;
        case CLI_SCOPE_LANG:
            if (report_check_lang(optarg) != 0)
                return EXIT_USAGE;
            ctx->lang = optarg;
            break;
        case 'h':
            cli_scope_usage(spec, stdout);
            return EXIT_OK;
        default:
            if (ch >= 256 && (size_t)(ch - 256) < spec->nopts) {
                if (own_option(&spec->opts[ch - 256], optarg) != 0)
                    return EXIT_USAGE;
                break;
            }
            cli_scope_usage(spec, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != c->argc_cmd) {
        cli_scope_usage(spec, stderr);
        return EXIT_USAGE;
    }
    if ((spec->takes & CLI_SCOPE_FORMAT) &&
        report_check_formats(ctx->formats, "json,csv,html,xlsx") != 0)
        return EXIT_USAGE;
    return -1;
}
