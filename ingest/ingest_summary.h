/* ingest_summary.h - schools' work summaries in the spool: recognised by name, kept, never
 * loaded (names: ingest/ingest_spool.c; keeping: ingest/ingest_summary.c; SUBMISSION.md
 * section 8). */
#ifndef XINYU_INGEST_SUMMARY_H
#define XINYU_INGEST_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libpq's connection (PGconn), declared so that the spool's reader builds without libpq */
struct pg_conn;

/*
 * Whether name (a path; its last component counts) is a school's work summary as the spool
 * takes them: CODE_PERIOD_summary.docx or .txt (case-insensitive suffix), CODE digits and
 * PERIOD a canonical term ("3201020001_2024-2025-1_summary.docx"). Then school and period get
 * the parts and *docx the format. Never touches the file.
 */
bool ingest_summary_name(const char *name, char *school, size_t schoolcap, char *period,
                         size_t periodcap, bool *docx);
/*
 * Keeps the summary dir/relpath of source in xinyu.summary (its bytes, SHA-256 and the exact
 * figures extracted from it) in conn's transaction, once per school, term and content, with a
 * run event; a summary that cannot be read is kept with no figures and a warning. It is not a
 * run item: nothing is loaded. Returns 0 (also when the name is no summary's, or the file
 * is gone: a warning event), or -1 after logging when the database failed or memory ran out.
 */
int ingest_summary_keep(struct pg_conn *conn, int64_t run_id, const char *source, const char *dir,
                        const char *relpath);

#endif
