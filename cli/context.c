/* context.c - finding the database and small option helpers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/db.h"
#include "common/log.h"
#include "common/util.h"

int cli_int_option(const char *name, const char *value, int min, int max, int *out)
{
    if (util_parse_int(value, min, max, out) != 0) {
        log_error("%s must be a whole number from %d to %d, not \"%s\"", name, min, max, value);
        return -1;
    }
    return 0;
}

int cli_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)(n > 256 ? 256 : n);
}

int cli_resolve_db(struct cli *c)
{
    if (c->resolved)
        return 0;
    const char *given = c->db_option ? c->db_option : c->conf.database;
    if (given != NULL && db_conninfo_has_password(given)) {
        log_error_detail("a database password was given in the connection string",
                         c->db_option ? "Options are visible to every user of the machine in the "
                                        "process list, and are kept in the run record."
                                      : "The configuration file is no place for secrets.",
                         "Use PGPASSWORD, a passfile (passfile=...) or ~/.pgpass instead.");
        return EXIT_USAGE;
    }
    if (given != NULL) {
        if (util_strlcpy(c->conninfo, given, sizeof c->conninfo) != 0) {
            log_error("the connection string is too long");
            return EXIT_USAGE;
        }
    } else if (db_env_configured()) {
        c->conninfo[0] = '\0'; /* libpq reads DATABASE_URL (through db_connect) and PG* */
    } else if (db_embedded_start(c->conf.var_dir, c->conninfo, sizeof c->conninfo) != 0) {
        return EXIT_FATAL;
    }
    PGconn *conn = db_connect(c->conninfo, NULL);
    if (conn == NULL)
        return EXIT_FATAL;
    int ready = db_schema_ready(conn);
    int rc = 0;
    if (ready < 0)
        rc = EXIT_FATAL;
    else if (ready == 0 && db_migrate(conn) != 0) {
        log_error_detail("cannot bring the database schema up to date", NULL,
                         "Run \"xinyu db migrate\" as the database owner.");
        rc = EXIT_FATAL;
    }
    PQfinish(conn);
    if (rc == 0)
        c->resolved = true;
    return rc;
}

PGconn *cli_connect(struct cli *c, const char *role)
{
    if (!c->resolved) {
        c->resolve_rc = cli_resolve_db(c);
        if (c->resolve_rc != 0)
            return NULL;
    }
    return db_connect(c->conninfo, role);
}

int cli_connect_failed(const struct cli *c)
{
    return c->resolve_rc != 0 ? c->resolve_rc : EXIT_FATAL;
}
