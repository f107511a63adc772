/* main.c - the xinyu command: common options, then one subcommand. */
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/db.h"
#include "common/log.h"
#include "common/util.h"

volatile sig_atomic_t cli_stop_requested = 0;

static void on_stop(int sig)
{
    (void)sig;
    cli_stop_requested = 1;
}

/* What a command needs before it runs. */
enum {
    CMD_NEEDS_SETUP = 1 /* a configuration file or a named database: never an empty ./var */
};

/* The commands: name, handler, needs, and the line of the usage text. */
static const struct command {
    const char *name;
    int (*handler)(struct cli *);
    unsigned flags;
    const char *summary;
} commands[] = {
    {"run", cmd_run, CMD_NEEDS_SETUP, "load the registry, ingest every source, write the reports"},
    {"ingest", cmd_ingest, CMD_NEEDS_SETUP, "fetch or read submissions and load them"},
    {"report", cmd_report, CMD_NEEDS_SETUP, "write the indicator report of a year or a term"},
    {"audit", cmd_audit, CMD_NEEDS_SETUP,
     "audit every school against the characteristic-school standard"},
    {"review", cmd_review, CMD_NEEDS_SETUP, "progress of the indicators across review years"},
    {"quality", cmd_quality, CMD_NEEDS_SETUP,
     "schools that did not report, late, rejected, warnings, outliers"},
    {"remind", cmd_remind, CMD_NEEDS_SETUP,
     "remind the schools that have not reported a term before its deadline"},
    {"school", cmd_school, CMD_NEEDS_SETUP,
     "the page of one school: terms, values, rejections with reasons, audit"},
    {"status", cmd_status, CMD_NEEDS_SETUP,
     "show the last runs and the rejections of the last one"},
    {"raw", cmd_raw, CMD_NEEDS_SETUP, "write a raw submission's bytes exactly as received"},
    {"check", cmd_check, 0, "check submission files against the spec, without a database"},
    {"extract", cmd_extract, 0, "read the figures of work summaries (.docx, .txt) as drafts"},
    {"template", cmd_template, CMD_NEEDS_SETUP,
     "write the Excel templates schools fill in for a term"},
    {"registry", cmd_registry, CMD_NEEDS_SETUP, "load the school registry (registry load [FILE])"},
    {"db", cmd_db, 0, "migrate | start | stop | status (the embedded server)"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fputs("xinyu - school mental-health education reports: ingest, check, indicators\n"
          "\n"
          "Usage: xinyu [OPTIONS] COMMAND [ARGS]\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Options (for every command):\n"
          "  --config FILE       configuration (default: $XINYU_CONFIG or config/xinyu.json)\n"
          "  --db CONNINFO       PostgreSQL connection string; without it DATABASE_URL, the PG*\n"
          "                      variables, or else the embedded server under var/ is used\n"
          "  --var DIR           where the embedded server lives (default: var)\n"
          "  --log-format F      text (default) or json\n"
          "  -q, --quiet         errors only\n"
          "  -v, --verbose       more detail\n"
          "  -h, --help          this help; \"xinyu COMMAND --help\" for a command's own\n"
          "\n"
          "Exit codes: 0 all good; 1 finished but some items were rejected or a source\n"
          "failed; 2 usage or configuration error; 3 fatal (database, lock, I/O).\n",
          out);
}

static const struct command *command_find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* Takes "--name value" or "--name=value" at argv[*i]; returns the value or NULL. */
static const char *take_value(int argc, char **argv, int *i, const char *name, bool *matched)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    *matched = false;
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=') {
        *matched = true;
        return a + n + 1;
    }
    if (a[n] != '\0')
        return NULL;
    *matched = true;
    if (*i + 1 >= argc)
        return NULL;
    (*i)++;
    return argv[*i];
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "C");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    static struct cli c;
    const char *config = getenv("XINYU_CONFIG");
    const char *var = NULL;
    enum log_level level = LOG_INFO;
    enum log_format format = LOG_FORMAT_TEXT;
    const char *command = NULL;
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    char **cmd_argv = NULL;
    int rc = EXIT_USAGE;
    if (rest == NULL)
        return EXIT_FATAL;
    int nrest = 0;
    bool help = false;

    /* the common options may stand before or after the command */
    for (int i = 1; i < argc; i++) {
        bool m;
        const char *v;
        if ((v = take_value(argc, argv, &i, "--config", &m)) != NULL || m) {
            if (v == NULL)
                goto missing;
            config = v;
        } else if ((v = take_value(argc, argv, &i, "--db", &m)) != NULL || m) {
            if (v == NULL)
                goto missing;
            free(c.db_option);
            c.db_option = strdup(v);
        } else if ((v = take_value(argc, argv, &i, "--var", &m)) != NULL || m) {
            if (v == NULL)
                goto missing;
            var = v;
        } else if ((v = take_value(argc, argv, &i, "--log-format", &m)) != NULL || m) {
            if (v == NULL)
                goto missing;
            if (strcmp(v, "json") == 0)
                format = LOG_FORMAT_JSON;
            else if (strcmp(v, "text") == 0)
                format = LOG_FORMAT_TEXT;
            else {
                fprintf(stderr, "xinyu: --log-format must be text or json\n");
                goto out;
            }
        } else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
            level = LOG_ERROR;
        } else if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
            level = LOG_DEBUG;
        } else if (command == NULL && argv[i][0] != '-') {
            command = argv[i];
        } else if (command == NULL &&
                   (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)) {
            help = true;
        } else {
            rest[nrest++] = argv[i];
        }
        continue;
    missing:
        fprintf(stderr, "xinyu: option %s needs a value\n", argv[i]);
        goto out;
    }
    log_setup(level, format);
    if (help) {
        usage(stdout);
        rc = EXIT_OK;
        goto out;
    }
    if (command == NULL) {
        usage(stderr);
        goto out;
    }

    /* the subcommand parses its own options with getopt_long from argv[0] = command */
    cmd_argv = calloc((size_t)nrest + 2, sizeof *cmd_argv);
    if (cmd_argv == NULL) {
        rc = EXIT_FATAL;
        goto out;
    }
    cmd_argv[0] = (char *)command;
    for (int i = 0; i < nrest; i++)
        cmd_argv[i + 1] = rest[i];
    c.argc_cmd = nrest + 1;
    c.argv_cmd = cmd_argv;
    size_t used = 0;
    for (int i = 1; i < argc && used + 2 < sizeof c.args_text; i++) {
        int n = snprintf(c.args_text + used, sizeof c.args_text - used, "%s%s", i > 1 ? " " : "",
                         argv[i]);
        if (n < 0)
            break;
        used += (size_t)n;
        if (used >= sizeof c.args_text) {
            used = sizeof c.args_text - 1;
            break;
        }
    }

    const struct command *cmd = command_find(command);
    if (cmd == NULL) {
        fprintf(stderr, "xinyu: unknown command \"%s\"\n", command);
        usage(stderr);
        goto out;
    }
    if (config == NULL && access("config/xinyu.json", R_OK) == 0)
        config = "config/xinyu.json";
    char err[512];
    bool wants_help = false;
    for (int i = 1; i < c.argc_cmd; i++) {
        if (strcmp(c.argv_cmd[i], "--help") == 0 || strcmp(c.argv_cmd[i], "-h") == 0)
            wants_help = true;
    }
    if (!wants_help && conf_load(config, &c.conf, err, sizeof err) != 0) {
        log_error_detail("cannot read the configuration", err, NULL);
        goto out;
    }
    /* without a configuration nor a database named anywhere, a command would make an empty
     * database under ./var, load nothing and say all is well */
    if (!wants_help && config == NULL && (cmd->flags & CMD_NEEDS_SETUP) && c.db_option == NULL &&
        var == NULL && !db_env_configured()) {
        char cwd[1024], detail[1200];
        if (getcwd(cwd, sizeof cwd) == NULL)
            util_strlcpy(cwd, ".", sizeof cwd);
        snprintf(detail, sizeof detail,
                 "Looked for $XINYU_CONFIG (not set) and config/xinyu.json in %s; no --db was "
                 "given, no --var, and neither DATABASE_URL nor the PG* variables name a database.",
                 cwd);
        log_error_detail("no configuration file found", detail,
                         "Give --config FILE, set XINYU_CONFIG, or run xinyu from the directory "
                         "that holds config/xinyu.json.");
        goto out;
    }
    if (var != NULL && conf_set(&c.conf.var_dir, var) != 0) {
        rc = EXIT_FATAL;
        goto out;
    }

    optind = 1;
    rc = cmd->handler(&c);
out:
    conf_free(&c.conf);
    free(c.db_option);
    free(cmd_argv);
    free(rest);
    return rc;
}
