/* exit_codes.h - the exit codes of xinyu (ARCHITECTURE.md), returned by every job. */
#ifndef XINYU_EXIT_CODES_H
#define XINYU_EXIT_CODES_H

enum {
    EXIT_OK = 0,      /* all good */
    EXIT_PARTIAL = 1, /* finished, but some items were rejected or a source failed */
    EXIT_USAGE = 2,   /* usage or configuration error */
    EXIT_FATAL = 3    /* database unreachable, lock held, I/O error */
};

#endif
