/* ingest_check.h - "xinyu check": files checked against the submission format, no database. */
#ifndef XINYU_INGEST_CHECK_H
#define XINYU_INGEST_CHECK_H

#include <stdbool.h>

#include "ingest/ingest.h"
#include "transform/xform_messages.h"

struct ingest_check_opts {
    const char *registry;        /* schools.csv to check codes and names against, or NULL */
    bool explicit_registry;      /* named by the user: a registry that cannot be read is a
                                  * usage error, not a fault of the machine */
    enum xf_lang lang;           /* of everything printed */
    struct ingest_limits limits; /* as the spool's */
};

/*
 * Reads each file as the spool would (JSON, JSON Lines, gzip, workbooks), validates every
 * submission in it as a load would and prints the verdict and every reason to stdout, then a
 * summary. Returns EXIT_OK, EXIT_PARTIAL (a submission would be rejected, or a file is not a
 * submission or cannot be read), EXIT_USAGE (the registry named cannot be read) or EXIT_FATAL.
 */
int ingest_check_files(const struct ingest_check_opts *o, char *const *files, int nfiles);

#endif
