/* report_cursor.c - a list of a report read through a cursor, one row at a time as JSON. */
#include <stdio.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "report/report_common.h"

json_t *report_row_json(const struct report_list *l, const PGresult *res, int i)
{
    json_t *o = json_object();
    int rc = o == NULL ? -1 : 0;
    /* the readable columns (words beside codes) are not the query's: the writer adds them */
    int field = 0;
    for (size_t k = 0; rc == 0 && k < l->ncols; k++) {
        if (!l->cols[k].readable)
            rc = json_object_set_new(o, l->cols[k].key,
                                     report_json_cell(res, i, field++, l->cols[k].type));
    }
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

#define FETCH_ROWS 1000

int report_cursor_open(struct report_cursor *cur, PGconn *conn, const char *name,
                       const struct report_list *l, const char *sql, const char *const *params)
{
    memset(cur, 0, sizeof *cur);
    cur->conn = conn;
    cur->name = name;
    cur->l = l;
    char what[64];
    snprintf(what, sizeof what, "cannot list the %s", l->name);
    buf q = BUF_INIT;
    if (buf_printf(&q, "DECLARE %s NO SCROLL CURSOR FOR %s", name, sql) != 0) {
        log_error("out of memory");
        return -1;
    }
    PGresult *res = db_query(conn, q.data, l->nparams, params, PGRES_COMMAND_OK, what);
    buf_free(&q);
    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

json_t *report_cursor_peek(struct report_cursor *cur, int *rc)
{
    if (cur->row != NULL)
        return cur->row;
    while (!cur->end && (cur->res == NULL || cur->at >= PQntuples(cur->res))) {
        PQclear(cur->res);
        cur->res = NULL;
        cur->at = 0;
        if (cur->last) {
            cur->end = true;
            break;
        }
        char q[96], what[64];
        snprintf(q, sizeof q, "FETCH %d FROM %s", FETCH_ROWS, cur->name);
        snprintf(what, sizeof what, "cannot list the %s", cur->l->name);
        PGresult *res = db_query(cur->conn, q, 0, NULL, PGRES_TUPLES_OK, what);
        if (res == NULL) {
            *rc = -1;
            cur->end = true;
            break;
        }
        cur->last = PQntuples(res) < FETCH_ROWS;
        if (PQntuples(res) == 0) {
            PQclear(res);
            cur->end = true;
            break;
        }
        cur->res = res;
    }
    if (cur->end)
        return NULL;
    cur->row = report_row_json(cur->l, cur->res, cur->at);
    if (cur->row == NULL) {
        log_error("cannot read the %s list: out of memory or a malformed value", cur->l->name);
        *rc = -1;
        cur->end = true;
    }
    return cur->row;
}

void report_cursor_next(struct report_cursor *cur)
{
    json_decref(cur->row);
    cur->row = NULL;
    cur->at++;
}

void report_cursor_free(struct report_cursor *cur)
{
    json_decref(cur->row);
    cur->row = NULL;
    PQclear(cur->res);
    cur->res = NULL;
}
