/* report_side.c - a list read on a connection of its own, in the snapshot of the report's
 * transaction, while that transaction goes on with its other lists (report_common.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/fault.h"
#include "common/log.h"
#include "report/report_common.h"

#define SIDE_PARAMS_MAX 4

struct report_side {
    const struct report_ctx *ctx;
    const struct report_list *l;
    const char *prepare;      /* run first, on the list's first two parameters, in a read-write
                               * transaction; NULL: none, and the transaction is read-only */
    struct report_gate *gate; /* waited at before the list is read; NULL: none */
    char snapshot[64];
    char *params[SIDE_PARAMS_MAX];
    pthread_t thread;
    PGresult *res; /* the rows once the thread is done; NULL after a failure it logged */
};

/* A snapshot's name as pg_export_snapshot makes it (hexadecimal digits and dashes): it is
 * written into SET TRANSACTION SNAPSHOT, which takes no parameter. */
static bool snapshot_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'F') || ch == '-'))
            return false;
    }
    return true;
}

void report_gate_init(struct report_gate *g)
{
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->open = false;
}

void report_gate_open(struct report_gate *g)
{
    if (g == NULL)
        return;
    pthread_mutex_lock(&g->mu);
    g->open = true;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

void report_gate_destroy(struct report_gate *g)
{
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
}

static void gate_wait(struct report_gate *g)
{
    if (g == NULL)
        return;
    pthread_mutex_lock(&g->mu);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static void *side_run(void *arg)
{
    struct report_side *s = arg;
    gate_wait(s->gate);
    /* tests/integration/report_snapshot.sh: an ingest commits while this waits here */
    fault_point("report_side");
    int rc;
    PGconn *conn = report_connect(s->ctx, &rc);
    if (conn == NULL)
        return NULL;
    char set[96];
    snprintf(set, sizeof set, "SET TRANSACTION SNAPSHOT '%s'", s->snapshot);
    char what[64];
    snprintf(what, sizeof what, "cannot list the %s", s->l->name);
    if (db_begin_snapshot(conn, s->prepare == NULL, what) == 0 && db_exec(conn, set, what) == 0) {
        PGresult *prep = NULL;
        if (s->prepare != NULL)
            prep = db_query(conn, s->prepare, 2, (const char *const *)s->params, PGRES_TUPLES_OK,
                            what);
        if (s->prepare == NULL || prep != NULL)
            s->res = db_query(conn, s->l->sql, s->l->nparams, (const char *const *)s->params,
                              PGRES_TUPLES_OK, what);
        PQclear(prep);
        if (s->res != NULL && db_exec(conn, "COMMIT", what) != 0) {
            PQclear(s->res);
            s->res = NULL;
        }
    }
    PQfinish(conn);
    return NULL;
}

static void side_free(struct report_side *s)
{
    for (int i = 0; i < SIDE_PARAMS_MAX; i++)
        free(s->params[i]);
    PQclear(s->res);
    free(s);
}

struct report_side *report_side_start(const struct report_ctx *ctx, PGconn *conn,
                                      const struct report_list *l, const char *const *params,
                                      const char *prepare, struct report_gate *gate)
{
    if (l->nparams > SIDE_PARAMS_MAX || (prepare != NULL && l->nparams < 2))
        return NULL;
    struct report_side *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->ctx = ctx;
    s->l = l;
    s->prepare = prepare;
    s->gate = gate;
    for (int i = 0; i < l->nparams; i++) {
        if (params[i] != NULL && (s->params[i] = strdup(params[i])) == NULL) {
            side_free(s);
            return NULL;
        }
    }
    PGresult *res = db_query(conn, "SELECT pg_export_snapshot()", 0, NULL, PGRES_TUPLES_OK,
                             "cannot share the report's snapshot");
    bool named = res != NULL && PQntuples(res) == 1 && snapshot_name_ok(PQgetvalue(res, 0, 0));
    if (named)
        snprintf(s->snapshot, sizeof s->snapshot, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (!named || pthread_create(&s->thread, NULL, side_run, s) != 0) {
        side_free(s);
        return NULL;
    }
    return s;
}

PGresult *report_side_finish(struct report_side *s)
{
    if (s == NULL)
        return NULL;
    report_gate_open(s->gate);
    pthread_join(s->thread, NULL);
    PGresult *res = s->res;
    s->res = NULL;
    side_free(s);
    return res;
}
