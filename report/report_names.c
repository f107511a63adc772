/* report_names.c - districts' names from the registry and the audit clauses' titles. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/log.h"
#include "common/terms.h"
#include "common/util.h"
#include "report/report_names.h"

struct report_names {
    PGresult *res; /* district_code, district_name ordered by code (C collation) */
    int n;
};

struct report_names *report_names_load(PGconn *conn)
{
    struct report_names *names = calloc(1, sizeof *names);
    if (names == NULL) {
        log_error("out of memory");
        return NULL;
    }
    /* ordered bytewise, as strcmp compares in the lookup */
    names->res = db_query(conn,
                          "SELECT district_code, district_name FROM xinyu.district "
                          "ORDER BY district_code COLLATE \"C\"",
                          0, NULL, PGRES_TUPLES_OK, "cannot read the districts' names");
    if (names->res == NULL) {
        free(names);
        return NULL;
    }
    names->n = PQntuples(names->res);
    return names;
}

const char *report_names_district(const struct report_names *names, const char *code)
{
    if (names == NULL || code == NULL || code[0] == '\0')
        return NULL;
    int lo = 0, hi = names->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(PQgetvalue(names->res, mid, 0), code);
        if (c == 0)
            return PQgetvalue(names->res, mid, 1);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

void report_names_free(struct report_names *names)
{
    if (names == NULL)
        return;
    PQclear(names->res);
    free(names);
}

const char *report_clause_title(const char *clause)
{
    return terms_word(TERMS_CLAUSE, clause, true);
}

const char *report_clause_heading(const char *clause, char *dst, size_t n)
{
    const char *title = report_clause_title(clause);
    if (title == NULL || strcmp(clause, "overall") == 0)
        util_strlcpy(dst, title != NULL ? title : clause, n);
    else
        snprintf(dst, n, "%s %s", clause, title);
    return dst;
}
