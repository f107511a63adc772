/*
 * report_names.h - what a person reads next to a code: districts' names from the registry
 * (xinyu.district) and the audit clauses' titles (INDICATORS.md's clause table). Codes stay
 * in the JSON documents; the names go to the HTML pages, the workbooks and the CSV files.
 */
#ifndef XINYU_REPORT_NAMES_H
#define XINYU_REPORT_NAMES_H

#include <libpq-fe.h>

struct report_names; /* the registry's districts, sorted by code; opaque */

/* Every district of the registry, read through conn (in the caller's transaction, if any).
 * Returns a table to free with report_names_free, or NULL after logging. */
struct report_names *report_names_load(PGconn *conn);
/* The name of district code, or NULL when names is NULL, code is NULL or empty, or the
 * registry does not know it. The string lives as long as names. Never fails. */
const char *report_names_district(const struct report_names *names, const char *code);
/* Frees names; accepts NULL. */
void report_names_free(struct report_names *names);

/* The title of an audit clause ("6" -> "配齐配好教师", "overall" -> "总体"), or NULL for a
 * clause INDICATORS.md does not list. Static strings; never fails. */
const char *report_clause_title(const char *clause);
/* The heading of an audit clause's column into dst (n bytes): "6 配齐配好教师", "总体" for
 * the overall result, the clause alone when it has no title (truncated to fit). Returns dst;
 * never fails. */
const char *report_clause_heading(const char *clause, char *dst, size_t n);

#endif
