/* cmd_registry.c - "xinyu registry load": options, then transform/'s registry load. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/db.h"
#include "common/log.h"
#include "transform/xform_load.h"

int cli_registry_load(PGconn *conn, const char *path, int64_t run_id, bool force)
{
    int rc = xf_registry_load(conn, path, run_id, force);
    return rc == XF_REGISTRY_LOADED ? EXIT_OK : rc == XF_REGISTRY_REFUSED ? EXIT_USAGE : EXIT_FATAL;
}

static void registry_usage(FILE *out)
{
    fputs(
        "Usage: xinyu registry load [--force] [FILE]\n"
        "\n"
        "Loads the school registry (schools.csv; default: the configuration's \"registry\").\n"
        "Every row is checked first; one bad row refuses the whole file, with line numbers.\n"
        "Schools no longer listed become inactive. An unchanged file is skipped unless --force.\n",
        out);
}

int cmd_registry(struct cli *c)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    bool force = false;
    int ch;
    while ((ch = getopt_long(c->argc_cmd, c->argv_cmd, "fh", opts, NULL)) != -1) {
        if (ch == 'f') {
            force = true;
        } else if (ch == 'h') {
            registry_usage(stdout);
            return EXIT_OK;
        } else {
            registry_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= c->argc_cmd || strcmp(c->argv_cmd[optind], "load") != 0 ||
        c->argc_cmd - optind > 2) {
        registry_usage(stderr);
        return EXIT_USAGE;
    }
    const char *path = optind + 1 < c->argc_cmd ? c->argv_cmd[optind + 1] : c->conf.registry;
    if (path == NULL) {
        log_error("no registry file given and none configured");
        return EXIT_USAGE;
    }
    PGconn *conn = cli_connect(c, NULL);
    if (conn == NULL)
        return cli_connect_failed(c);
    int rc = EXIT_FATAL;
    int64_t run_id = db_run_begin(conn, "registry", c->args_text);
    if (run_id > 0) {
        rc = cli_registry_load(conn, path, run_id, force);
        db_run_finish(conn, run_id, rc == EXIT_OK ? "ok" : "failed",
                      rc == EXIT_OK ? NULL : "the registry was not loaded", 0, NULL);
    }
    PQfinish(conn);
    return rc;
}
