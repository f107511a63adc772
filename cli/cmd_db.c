/* cmd_db.c - "xinyu db": migrations and the embedded server. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/db.h"
#include "common/log.h"

static void db_usage(FILE *out)
{
    fputs("Usage: xinyu db migrate | start | stop | status\n"
          "\n"
          "  migrate   apply the schema migrations not yet applied (as the database owner)\n"
          "  start     start the embedded PostgreSQL server under var/ (created on first use)\n"
          "  stop      stop the embedded server\n"
          "  status    say whether the embedded server runs and whether the schema is current\n",
          out);
}

int cmd_db(struct cli *c)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(c->argc_cmd, c->argv_cmd, "h", opts, NULL)) != -1) {
        if (ch == 'h') {
            db_usage(stdout);
            return EXIT_OK;
        }
        db_usage(stderr);
        return EXIT_USAGE;
    }
    if (optind + 1 != c->argc_cmd) {
        db_usage(stderr);
        return EXIT_USAGE;
    }
    const char *what = c->argv_cmd[optind];
    if (strcmp(what, "stop") == 0)
        return db_embedded_stop(c->conf.var_dir) == 0 ? EXIT_OK : EXIT_FATAL;
    if (strcmp(what, "start") == 0) {
        char conninfo[1024];
        if (db_embedded_start(c->conf.var_dir, conninfo, sizeof conninfo) != 0)
            return EXIT_FATAL;
        printf("%s\n", conninfo);
        return EXIT_OK;
    }
    if (strcmp(what, "migrate") == 0) {
        int rc = cli_resolve_db(c); /* applies what is missing */
        if (rc != 0)
            return rc;
        PGconn *conn = cli_connect(c, NULL);
        if (conn == NULL)
            return cli_connect_failed(c);
        rc = db_migrate(conn) == 0 ? EXIT_OK : EXIT_FATAL;
        PQfinish(conn);
        if (rc == EXIT_OK)
            log_info("the schema is up to date");
        return rc;
    }
    if (strcmp(what, "status") == 0) {
        printf("embedded server (%s): %s\n", c->conf.var_dir,
               db_embedded_running(c->conf.var_dir) ? "running" : "not running");
        return EXIT_OK;
    }
    db_usage(stderr);
    return EXIT_USAGE;
}
