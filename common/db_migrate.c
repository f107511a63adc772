/* db_migrate.c - brings a database to the schema and functions this binary carries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "common/util.h"

#define MAX_VERSION 1000

/* What xinyu.schema_migration says of one version. */
struct recorded {
    bool present;
    char sha256[2 * UTIL_SHA256_LEN + 1];
};

/* The version number of "NNN_name.sql", or -1. */
static int migration_version(const char *name)
{
    char digits[8];
    size_t i = 0;
    while (i < 6 && name[i] >= '0' && name[i] <= '9') {
        digits[i] = name[i];
        i++;
    }
    digits[i] = '\0';
    int v;
    if (i == 0 || name[i] != '_' || util_parse_int(digits, 0, MAX_VERSION - 1, &v) != 0)
        return -1;
    return v;
}

/* The hex SHA-256 of a file's text into hex. Returns 0 or -1. */
static int text_sha256(const char *sql, char hex[2 * UTIL_SHA256_LEN + 1])
{
    unsigned char digest[UTIL_SHA256_LEN];
    if (util_sha256(sql, strlen(sql), digest) != 0)
        return -1;
    util_hex(digest, sizeof digest, hex);
    return 0;
}

/* Fills rec[0..MAX_VERSION) from xinyu.schema_migration. Returns 0 or -1 after logging. */
static int read_recorded(PGconn *conn, struct recorded *rec)
{
    PGresult *res = db_query(conn, "SELECT version, sha256 FROM xinyu.schema_migration", 0, NULL,
                             PGRES_TUPLES_OK, "cannot read the applied migrations");
    if (res == NULL)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        int v;
        if (util_parse_int(PQgetvalue(res, i, 0), 0, MAX_VERSION - 1, &v) != 0)
            continue;
        rec[v].present = true;
        util_strlcpy(rec[v].sha256, PQgetvalue(res, i, 1), sizeof rec[v].sha256);
    }
    PQclear(res);
    return 0;
}

static const struct db_migration *schema_file(int version)
{
    for (const struct db_migration *m = db_migrations; m->name != NULL; m++)
        if (migration_version(m->name) == version)
            return m;
    return NULL;
}

static const struct db_legacy_migration *legacy(int version, const char *sha256)
{
    for (const struct db_legacy_migration *l = db_legacy_migrations; l->version != 0; l++)
        if (l->version == version && strcmp(l->sha256, sha256) == 0)
            return l;
    return NULL;
}

/*
 * Checks each recorded migration against this binary. One recorded before the
 * schema/functions layout is recorded anew where its file remains (its functions now live
 * in sql/functions/), and left as it is where it was retired. Returns 0, or -1 after
 * logging which migration disagrees.
 */
static int verify_recorded(PGconn *conn, struct recorded *rec)
{
    for (int v = 1; v < MAX_VERSION; v++) {
        if (!rec[v].present)
            continue;
        const struct db_migration *m = schema_file(v);
        char hex[2 * UTIL_SHA256_LEN + 1];
        if (m != NULL && text_sha256(m->sql, hex) != 0)
            return -1;
        if (m != NULL && strcmp(hex, rec[v].sha256) == 0)
            continue;
        const struct db_legacy_migration *old = legacy(v, rec[v].sha256);
        if (old != NULL && m == NULL)
            continue;
        if (old != NULL) {
            char vtext[16];
            snprintf(vtext, sizeof vtext, "%d", v);
            const char *params[] = {vtext, m->name, hex};
            PGresult *res = db_query(conn,
                                     "UPDATE xinyu.schema_migration SET name = $2, sha256 = $3 "
                                     "WHERE version = $1::integer",
                                     3, params, PGRES_COMMAND_OK, "cannot record a migration");
            if (res == NULL)
                return -1;
            PQclear(res);
            util_strlcpy(rec[v].sha256, hex, sizeof rec[v].sha256);
            log_info("migration %s recorded for the schema/functions layout (was %s)", m->name,
                     old->name);
            continue;
        }
        char message[200], detail[400];
        if (m == NULL) {
            snprintf(message, sizeof message,
                     "the database has migration %03d, which this program does not carry", v);
            log_error_detail(message, "It was applied by a newer version of Xinyu.",
                             "Use that version, or a later one, with this database.");
        } else {
            snprintf(message, sizeof message, "migration %s was changed after it was applied",
                     m->name);
            snprintf(detail, sizeof detail,
                     "The database recorded its SHA-256 as %.16s..., the file's is %.16s....",
                     rec[v].sha256, hex);
            log_error_detail(message, detail,
                             "An applied schema migration is never edited: restore the file and "
                             "put the change into a new migration in sql/schema/ (or, for a "
                             "function, into its file in sql/functions/).");
        }
        return -1;
    }
    return 0;
}

/* Runs sql and its record statement in one transaction. Returns 0 or -1 after logging. */
static int apply_recorded(PGconn *conn, const char *what, const char *sql, bool functions,
                          const char *record_sql, int nparams, const char *const *params)
{
    if (db_exec(conn, "BEGIN", what) != 0)
        return -1;
    /* function files are whole definitions; their order among themselves does not matter */
    if (functions && db_exec(conn, "SET LOCAL check_function_bodies = off", what) != 0)
        goto fail;
    if (db_exec(conn, sql, what) != 0)
        goto fail;
    PGresult *res = db_query(conn, record_sql, nparams, params, PGRES_COMMAND_OK, what);
    if (res == NULL)
        goto fail;
    PQclear(res);
    return db_exec(conn, "COMMIT", what);
fail:
    db_exec(conn, "ROLLBACK", "rollback");
    return -1;
}

static int apply_schema(PGconn *conn, const struct db_migration *m, int version)
{
    char hex[2 * UTIL_SHA256_LEN + 1], vtext[16], what[160];
    if (text_sha256(m->sql, hex) != 0)
        return -1;
    snprintf(vtext, sizeof vtext, "%d", version);
    snprintf(what, sizeof what, "migration %s failed", m->name);
    const char *params[] = {vtext, m->name, hex};
    if (apply_recorded(conn, what, m->sql, false,
                       "INSERT INTO xinyu.schema_migration (version, name, sha256) "
                       "VALUES ($1, $2, $3)",
                       3, params) != 0)
        return -1;
    log_info("applied migration %s", m->name);
    return 0;
}

/* The checksum last applied of each function file, in db_function_sets order ("" if never).
 * Returns a malloc'ed array the caller frees, or NULL after logging. */
static char (*read_function_sets(PGconn *conn))[2 * UTIL_SHA256_LEN + 1]
{
    size_t n = 0;
    while (db_function_sets[n].name != NULL)
        n++;
    char(*sums)[2 * UTIL_SHA256_LEN + 1] = calloc(n + 1, sizeof *sums);
    if (sums == NULL) {
        log_error("out of memory");
        return NULL;
    }
    PGresult *res = db_query(conn, "SELECT name, sha256 FROM xinyu.function_set", 0, NULL,
                             PGRES_TUPLES_OK, "cannot read the applied function files");
    if (res == NULL) {
        free(sums);
        return NULL;
    }
    for (int i = 0; i < PQntuples(res); i++)
        for (size_t k = 0; k < n; k++)
            if (strcmp(db_function_sets[k].name, PQgetvalue(res, i, 0)) == 0)
                util_strlcpy(sums[k], PQgetvalue(res, i, 1), sizeof sums[k]);
    PQclear(res);
    return sums;
}

static int apply_function_sets(PGconn *conn)
{
    char(*sums)[2 * UTIL_SHA256_LEN + 1] = read_function_sets(conn);
    if (sums == NULL)
        return -1;
    int rc = 0;
    for (size_t k = 0; db_function_sets[k].name != NULL && rc == 0; k++) {
        const struct db_migration *f = &db_function_sets[k];
        char hex[2 * UTIL_SHA256_LEN + 1], what[160];
        if (text_sha256(f->sql, hex) != 0) {
            rc = -1;
            break;
        }
        if (strcmp(hex, sums[k]) == 0)
            continue;
        snprintf(what, sizeof what, "function file %s failed", f->name);
        const char *params[] = {f->name, hex};
        rc = apply_recorded(conn, what, f->sql, true,
                            "INSERT INTO xinyu.function_set (name, sha256) VALUES ($1, $2) "
                            "ON CONFLICT (name) DO UPDATE "
                            "SET sha256 = EXCLUDED.sha256, applied_at = now()",
                            2, params);
        if (rc == 0)
            log_info("applied functions %s", f->name);
    }
    free(sums);
    return rc;
}

int db_migrate(PGconn *conn)
{
    char lock_sql[96];
    snprintf(lock_sql, sizeof lock_sql, "SELECT pg_advisory_lock(%d, %d)", DB_LOCK_CLASS,
             (int)DB_LOCK_MIGRATE);
    if (db_exec(conn, lock_sql, "cannot take the migration lock") != 0)
        return -1;
    int rc = -1;
    struct recorded *rec = calloc(MAX_VERSION, sizeof *rec);
    if (rec == NULL) {
        log_error("out of memory");
        goto out;
    }
    /* the first file creates the schema and the record tables, idempotently */
    if (db_migrations[0].name == NULL || migration_version(db_migrations[0].name) != 0) {
        log_error("the binary carries no migration 000");
        goto out;
    }
    if (db_exec(conn, db_migrations[0].sql, "migration 000 failed") != 0)
        goto out;
    if (read_recorded(conn, rec) != 0 || verify_recorded(conn, rec) != 0)
        goto out;
    for (const struct db_migration *m = db_migrations + 1; m->name != NULL; m++) {
        int v = migration_version(m->name);
        if (v <= 0) {
            log_error("migration %s has no version number", m->name);
            goto out;
        }
        if (rec[v].present)
            continue;
        if (apply_schema(conn, m, v) != 0)
            goto out;
        rec[v].present = true;
    }
    if (apply_function_sets(conn) != 0)
        goto out;
    rc = 0;
out:
    free(rec);
    char unlock_sql[96];
    snprintf(unlock_sql, sizeof unlock_sql, "SELECT pg_advisory_unlock(%d, %d)", DB_LOCK_CLASS,
             (int)DB_LOCK_MIGRATE);
    db_exec(conn, unlock_sql, "cannot release the migration lock");
    return rc;
}

int db_schema_ready(PGconn *conn)
{
    PGresult *res = db_query(conn,
                             "SELECT to_regclass('xinyu.schema_migration') IS NOT NULL "
                             "AND to_regclass('xinyu.function_set') IS NOT NULL",
                             0, NULL, PGRES_TUPLES_OK, "cannot inspect the schema");
    if (res == NULL)
        return -1;
    int exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!exists)
        return 0;
    struct recorded *rec = calloc(MAX_VERSION, sizeof *rec);
    if (rec == NULL) {
        log_error("out of memory");
        return -1;
    }
    int ready = read_recorded(conn, rec) == 0 ? 1 : -1;
    for (const struct db_migration *m = db_migrations + 1; m->name != NULL && ready == 1; m++) {
        int v = migration_version(m->name);
        char hex[2 * UTIL_SHA256_LEN + 1];
        if (v <= 0 || !rec[v].present || text_sha256(m->sql, hex) != 0 ||
            strcmp(hex, rec[v].sha256) != 0)
            ready = 0; /* db_migrate applies it, records it anew or says what is wrong */
    }
    free(rec);
    if (ready != 1)
        return ready;
    char(*sums)[2 * UTIL_SHA256_LEN + 1] = read_function_sets(conn);
    if (sums == NULL)
        return -1;
    for (size_t k = 0; db_function_sets[k].name != NULL && ready == 1; k++) {
        char hex[2 * UTIL_SHA256_LEN + 1];
        if (text_sha256(db_function_sets[k].sql, hex) != 0 || strcmp(hex, sums[k]) != 0)
            ready = 0;
    }
    free(sums);
    return ready;
}
