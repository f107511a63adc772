/* cli.h - the xinyu command: shared context of the subcommands and the run driver. */
#ifndef XINYU_CLI_H
#define XINYU_CLI_H

#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "common/buf.h"
#include "common/conf.h"
#include "common/exit_codes.h"
#include "report/report_jobs.h"
#include "transform/xform_load.h"

struct cli {
    struct conf conf;
    char *db_option;     /* --db, overrides everything */
    char conninfo[1024]; /* resolved connection string ("" = libpq's environment) */
    bool resolved;
    int resolve_rc; /* why the database could not be resolved (EXIT_*), 0 if it was */
    int argc_cmd;   /* the subcommand's arguments */
    char **argv_cmd;
    char args_text[512]; /* the command line for the run record (no secrets are ever options) */
};

/* Set by SIGINT/SIGTERM: stop after the current transaction. */
extern volatile sig_atomic_t cli_stop_requested;

/* Finds the database: --db, the config's "database", DATABASE_URL/PG*, else the
 * embedded server (started on demand). Applies missing migrations. Returns 0 or EXIT_*. */
int cli_resolve_db(struct cli *c);
/* Opens a connection with the given role (NULL: the login's own rights). NULL after logging. */
PGconn *cli_connect(struct cli *c, const char *role);

/* The exit code after cli_connect returned NULL: a usage error or EXIT_FATAL. */
int cli_connect_failed(const struct cli *c);
/* Loads the registry file into the database (owner rights; xf_registry_load). Returns 0 or
 * EXIT_*: EXIT_USAGE when the file cannot be read or has bad rows. */
int cli_registry_load(PGconn *conn, const char *path, int64_t run_id, bool force);

/*
 * The options of the reporting commands (cli/cli_scope.c): the scope options they share,
 * parsed and explained in one place, and each command's own options.
 */
enum {
    CLI_SCOPE_YEAR = 1,   /* --year Y */
    CLI_SCOPE_PERIOD = 2, /* --period P */
    CLI_SCOPE_FORMAT = 4, /* --format LIST */
    CLI_SCOPE_OUT = 8,    /* --out DIR */
    CLI_SCOPE_LANG = 16   /* --lang zh|en */
};
enum cli_opt_kind {
    CLI_OPT_STRING, /* const char ** */
    CLI_OPT_FLAG,   /* bool *, set true; no argument */
    CLI_OPT_INT,    /* int *, from min to max */
    CLI_OPT_INT64   /* int64_t *, from min to max; the error says it must be "what" */
};
struct cli_opt {
    const char *name; /* the long name without "--" */
    const char *arg;  /* the argument's name in the help, NULL for a flag */
    const char *help; /* one line per '\n', indented in the help */
    enum cli_opt_kind kind;
    void *dest;
    int64_t min, max;
    const char *what;
};
struct cli_scope_spec {
    const char *synopsis;    /* the usage lines and the description, before the options */
    unsigned takes;          /* CLI_SCOPE_* */
    const char *formats;     /* the default format list; NULL: the configuration's */
    const char *period_help; /* NULL: the shared text */
    const char *lang_help;   /* NULL: the shared text */
    const struct cli_opt *opts;
    size_t nopts; /* at most 16 */
};
/* The report context of the configuration, connecting through c. */
void cli_report_ctx(struct cli *c, struct report_ctx *ctx);
/* Parses the command's arguments into ctx (the configuration's, with the options given) and
 * scope, the own options into their destinations. Returns -1 when the command goes on, else
 * its exit code: EXIT_OK after --help, EXIT_USAGE after logging or the usage. */
int cli_scope_parse(struct cli *c, const struct cli_scope_spec *spec, struct report_ctx *ctx,
                    struct report_scope *scope);
/* The command's help: synopsis, then one line per option. */
void cli_scope_usage(const struct cli_scope_spec *spec, FILE *out);

int cmd_db(struct cli *c);
int cmd_registry(struct cli *c);
int cmd_ingest(struct cli *c);
int cmd_report(struct cli *c);
int cmd_run(struct cli *c);
int cmd_status(struct cli *c);
int cmd_check(struct cli *c);
int cmd_extract(struct cli *c);
int cmd_audit(struct cli *c);
int cmd_review(struct cli *c);
int cmd_quality(struct cli *c);
int cmd_raw(struct cli *c);
int cmd_remind(struct cli *c);
int cmd_school(struct cli *c);
int cmd_template(struct cli *c);

/* Parses "N" into [min, max] for option name; logs and returns -1 when it is not. */
int cli_int_option(const char *name, const char *value, int min, int max, int *out);
/* Number of online processors, at least 1. */
int cli_cores(void);

#endif
