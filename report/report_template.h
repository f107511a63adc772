/*
 * report_template.h - the bureau's Excel template written with libxlsxwriter (SUBMISSION.md
 * section 7, docs/TEMPLATE.md): one school's form, a district's roll-up, and a school's
 * workbook sent back with its problems marked.
 *
 * The layout and the Chinese labels come from transform/xform_workbook.h, which reads the
 * same workbooks back; a template written here and filled in reads back as a submission.
 */
#ifndef XINYU_REPORT_TEMPLATE_H
#define XINYU_REPORT_TEMPLATE_H

#include <stddef.h>
#include <time.h>

#include <libpq-fe.h>

#include "transform/xform_workbook.h"

/* One school of a template. */
struct report_template_school {
    const char *school_code;
    const char *school_name;
    const char *district_code;
    const char *district_name;
    const char *school_type; /* decides the grade rows; unknown: all twelve */
    /* XF_WB_INPUTS values to write into the input cells (pre-filled, or the school's own as
     * read back), or NULL for an empty form */
    const struct xf_wb_value *values;
    const char *note; /* a line under the title (what was pre-filled from where), or NULL */
    /* XF_WB_INPUTS comments (NULL where none) for the input cells, e.g. the sentence of a
     * summary a value was read from; a problem's comment takes the cell's place. Or NULL. */
    const char *const *comments;
};

/* A problem to mark in a workbook sent back: the input at path gets a red fill and a comment
 * with message; every problem is listed on the 问题清单 sheet. */
struct report_template_problem {
    const char *severity; /* "reject" or "warning" */
    const char *code;
    const char *path; /* JSON path ("staff.psych_cert_a"), "" for the whole workbook */
    const char *message;
    const char *fix; /* what to do, or NULL */
};

/*
 * Writes the school form of period (canonical) for s to path, atomically (a temporary file
 * beside it, renamed into place). With problems (n > 0) it is the workbook sent back to the
 * school: the cells of those paths are marked and commented and a 问题清单 sheet lists them
 * all. created is the document's creation time. Returns 0, or -1 after logging (no file).
 */
int report_template_school(const char *path, const char *period,
                           const struct report_template_school *s,
                           const struct report_template_problem *problems, size_t n,
                           time_t created);

/*
 * Writes the roll-up of one district for period: one row per school of schools[0..n) (all of
 * the district), one column per input. Rows are written in order with libxlsxwriter's
 * constant-memory mode, so a district of any size costs the same memory. Returns 0, or -1
 * after logging (no file).
 */
int report_template_rollup(const char *path, const char *period, const char *district_code,
                           const char *district_name, const struct report_template_school *schools,
                           size_t n, time_t created);

/*
 * The workbook sent back for the rejected submission raw_id (report/report_feedback.c): its
 * bytes are read from the raw zone in conn's transaction (xinyu.rejected_workbook, the one
 * way the report role reads a body), and, when they are a school's form
 * made from the template, written to path as report_template_school writes a workbook with
 * problems. Returns 0 when written, 1 when the submission is no readable school form (a
 * refused or roll-up workbook, JSON: nothing to mark), or -1 after logging.
 */
int report_feedback_workbook(PGconn *conn, const char *raw_id, const char *path,
                             const struct report_template_problem *problems, size_t n,
                             time_t created);

/*
 * The figures of the work summary at path (.docx or .txt, read by xf_extract_file) for a
 * school's form: the exact values into values (XF_WB_INPUTS, cleared first; free with
 * xf_wb_values_clear), and for each input cell filled (or with an approximate figure) a
 * comment in comments[input] naming the line and sentence (malloc'ed, the caller frees each;
 * comments must be NULL-filled). Approximate figures are never values: they are named in the
 * cell's comment and appended to note in Chinese. Returns the number of values filled (>= 0),
 * -2 when the file is refused (reason in err, e.g. "not a .docx or .txt"), -1 on memory.
 */
int report_template_summary(const char *path, struct xf_wb_value *values, char **comments,
                            buf *note, char *err, size_t errlen);

struct report_ctx;
/* What "xinyu template" is asked for (report/report_template_job.c). */
struct report_template_job {
    const struct report_ctx *ctx; /* the connection (for prefill) and the default out_dir */
    const char *registry;         /* the registry file the schools come from */
    const char *period;           /* canonical term */
    const char *district;         /* NULL: every district */
    const char *school;           /* NULL: every active school (else this one, even inactive) */
    bool rollup;                  /* one workbook per district, a row per school */
    bool prefill;                 /* each school's latest loaded values of an earlier term */
    const char *fill;             /* with school: the figures of this JSON submission */
    const char *prefill_from;     /* with school: the figures of this work summary (.docx/.txt) */
    const char *out_dir;          /* NULL: ctx->out_dir/templates */
};
/* Writes the workbooks of job. Returns EXIT_OK, EXIT_USAGE (no registry, no school matches,
 * a --fill file that is no submission) or EXIT_FATAL, after logging. */
int report_templates_write(const struct report_template_job *job);

#endif
