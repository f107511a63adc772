/* report_rows.c - indicator rows spooled to a temporary file, and the walk over a doc's rows. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "report/report.h"

/* Rows gathered before one write(): 256 rows of about 150 bytes. */
#define SPOOL_WRITE_BATCH 256

/*
 * The rows are stored as they are in memory, struct report_row by struct report_row: the
 * file lives only as long as the process (it is unlinked at once), so even the status
 * pointer, which points to a string constant, stays valid when read back.
 */
struct report_spool {
    int fd;
    char path[4096]; /* for messages only: the file is already unlinked */
    size_t count;    /* rows added, written or not */
    size_t written;  /* rows in the file */
    int last_indicator;
    bool failed;
    size_t first[REPORT_NINDICATORS]; /* the record number of each indicator's first row */
    size_t rows[REPORT_NINDICATORS];  /* and how many it has */
    struct report_row pending[SPOOL_WRITE_BATCH];
    size_t npending;
};

struct report_spool *report_spool_new(void)
{
    struct report_spool *s = calloc(1, sizeof *s);
    if (s == NULL) {
        log_error("out of memory");
        return NULL;
    }
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    int w = snprintf(s->path, sizeof s->path, "%s/xinyu-rows-XXXXXX", dir);
    if (w < 0 || (size_t)w >= sizeof s->path) {
        log_error("the temporary directory's name is too long: %s", dir);
        free(s);
        return NULL;
    }
    s->fd = mkstemp(s->path);
    if (s->fd < 0) {
        log_error("cannot make a temporary file for the indicator rows (%s): %s", s->path,
                  strerror(errno));
        free(s);
        return NULL;
    }
    (void)fcntl(s->fd, F_SETFD, FD_CLOEXEC);
    unlink(s->path);
    s->last_indicator = -1;
    return s;
}

static int spool_flush(struct report_spool *s)
{
    const char *p = (const char *)s->pending;
    size_t left = s->npending * sizeof s->pending[0];
    off_t at = (off_t)(s->written * sizeof s->pending[0]);
    while (left > 0) {
        ssize_t n = pwrite(s->fd, p, left, at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            log_error("cannot write the temporary file of the indicator rows (%s): %s", s->path,
                      n < 0 ? strerror(errno) : "nothing written");
            s->failed = true;
            return -1;
        }
        p += n;
        at += n;
        left -= (size_t)n;
    }
    s->written += s->npending;
    s->npending = 0;
    return 0;
}

int report_spool_add(struct report_spool *s, const struct report_row *row)
{
    if (s->failed)
        return -1;
    int ind = row->indicator;
    if (ind < 0 || ind >= REPORT_NINDICATORS || ind < s->last_indicator) {
        log_error("indicator row %zu is out of order or names no indicator of the catalog",
                  s->count + 1);
        s->failed = true;
        return -1;
    }
    if (ind != s->last_indicator) {
        s->first[ind] = s->count;
        s->last_indicator = ind;
    }
    s->rows[ind]++;
    s->pending[s->npending++] = *row;
    s->count++;
    return s->npending == SPOOL_WRITE_BATCH ? spool_flush(s) : 0;
}

size_t report_spool_count(const struct report_spool *s)
{
    return s != NULL ? s->count : 0;
}

void report_spool_free(struct report_spool *s)
{
    if (s == NULL)
        return;
    close(s->fd);
    free(s);
}

void report_rows_begin(struct report_rows_iter *it, const struct report_doc *doc, int indicator)
{
    it->doc = doc;
    it->indicator = indicator < 0 ? -1 : indicator;
    it->have = it->at = 0;
    it->failed = false;
    it->next = 0;
    const struct report_spool *s = doc->spool;
    if (s == NULL) {
        it->end = doc->nrows;
    } else if (s->failed) {
        it->failed = true;
        it->end = 0;
    } else if (indicator < 0) {
        it->end = s->count;
    } else if (indicator >= REPORT_NINDICATORS) {
        it->end = 0;
    } else {
        it->next = s->first[indicator];
        it->end = s->first[indicator] + s->rows[indicator];
    }
}

/* Reads the next batch of records from the spool (or its unwritten tail); false at the end. */
static bool spool_read(struct report_rows_iter *it)
{
    struct report_spool *s = it->doc->spool;
    size_t want = it->end - it->next;
    if (want > REPORT_ROWS_BATCH)
        want = REPORT_ROWS_BATCH;
    size_t got = 0;
    /* the rows in the file first, then those still waiting in memory */
    while (got < want && it->next + got < s->written) {
        size_t n = want - got;
        if (n > s->written - (it->next + got))
            n = s->written - (it->next + got);
        off_t at = (off_t)((it->next + got) * sizeof(struct report_row));
        ssize_t r = pread(s->fd, &it->batch[got], n * sizeof(struct report_row), at);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || (size_t)r % sizeof(struct report_row) != 0) {
            log_error("cannot read the temporary file of the indicator rows (%s): %s", s->path,
                      r < 0 ? strerror(errno) : "the file is shorter than written");
            it->failed = true;
            return false;
        }
        got += (size_t)r / sizeof(struct report_row);
    }
    while (got < want) {
        it->batch[got] = s->pending[it->next + got - s->written];
        got++;
    }
    it->next += got;
    it->have = got;
    it->at = 0;
    return got > 0;
}

const struct report_row *report_rows_next(struct report_rows_iter *it)
{
    const struct report_doc *doc = it->doc;
    if (doc->spool == NULL) {
        /* in memory: any order, so one indicator's rows are picked out of all of them */
        while (it->next < it->end) {
            const struct report_row *r = &doc->rows[it->next++];
            if (it->indicator < 0 || r->indicator == it->indicator)
                return r;
        }
        return NULL;
    }
    if (it->failed)
        return NULL;
    if (it->at == it->have && (it->next >= it->end || !spool_read(it)))
        return NULL;
    return &it->batch[it->at++];
}

bool report_rows_failed(const struct report_rows_iter *it)
{
    return it->failed;
}
