/* ingest_spool.c - finding and reading the submission files schools leave in the spool directory.
 */
#define ZLIB_CONST
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "ingest/ingest.h"
#include "ingest/ingest_summary.h"
#include "common/buf.h"

#define SPOOL_MAX_DEPTH 8
#define SPOOL_CHUNK (64u * 1024)
/* the longest relative path the scanner can build: SPOOL_MAX_DEPTH directories and a file */
#define SPOOL_PATH_MAX ((SPOOL_MAX_DEPTH + 1) * (NAME_MAX + 1) + 1)

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* ASCII only: a locale must not change which files are read. */
static bool ends_with_nocase(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    if (len < n)
        return false;
    const char *tail = s + len - n;
    for (size_t i = 0; i < n; i++) {
        char c = tail[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suffix[i])
            return false;
    }
    return true;
}

enum ingest_file_kind ingest_file_kind(const char *name)
{
    const char *slash = strrchr(name, '/');
    if (slash != NULL)
        name = slash + 1;
    size_t len = strlen(name);
    if (len == 0 || name[0] == '.')
        return INGEST_NOT_INPUT;
    /* "~$name.xlsx" is the lock file Excel and WPS leave beside a workbook they have open */
    if (len >= 2 && name[0] == '~' && name[1] == '$')
        return INGEST_NOT_INPUT;
    if (ends_with_nocase(name, len, ".tmp") || ends_with_nocase(name, len, ".part"))
        return INGEST_NOT_INPUT;
    if (ends_with_nocase(name, len, ".jsonl.gz") || ends_with_nocase(name, len, ".ndjson.gz"))
        return INGEST_JSONL_GZ;
    if (ends_with_nocase(name, len, ".json.gz"))
        return INGEST_JSON_GZ;
    if (ends_with_nocase(name, len, ".jsonl") || ends_with_nocase(name, len, ".ndjson"))
        return INGEST_JSONL;
    if (ends_with_nocase(name, len, ".json"))
        return INGEST_JSON;
    char school[32], period[16];
    bool docx;
    if (ingest_summary_name(name, school, sizeof school, period, sizeof period, &docx))
        return INGEST_SUMMARY;
    if (ends_with_nocase(name, len, ".xlsx") || ends_with_nocase(name, len, ".xlsm") ||
        ends_with_nocase(name, len, ".xls"))
        return INGEST_XLSX;
    return INGEST_NOT_INPUT;
}

#define SUMMARY_SUFFIX "_summary"

bool ingest_summary_name(const char *name, char *school, size_t schoolcap, char *period,
                         size_t periodcap, bool *docx)
{
    const char *slash = strrchr(name, '/');
    if (slash != NULL)
        name = slash + 1;
    size_t len = strlen(name), stem;
    if (len > 5 && strcasecmp(name + len - 5, ".docx") == 0)
        stem = len - 5, *docx = true;
    else if (len > 4 && strcasecmp(name + len - 4, ".txt") == 0)
        stem = len - 4, *docx = false;
    else
        return false;
    size_t sl = strlen(SUMMARY_SUFFIX);
    if (stem <= sl || strncasecmp(name + stem - sl, SUMMARY_SUFFIX, sl) != 0)
        return false;
    /* CODE_PERIOD before the suffix: ten digits, '_', the canonical term */
    const char *us = memchr(name, '_', stem - sl);
    if (us == NULL)
        return false;
    size_t clen = (size_t)(us - name), plen = stem - sl - clen - 1;
    if (clen == 0 || clen >= schoolcap || plen == 0 || plen >= periodcap)
        return false;
    for (size_t i = 0; i < clen; i++)
        if (name[i] < '0' || name[i] > '9')
            return false;
    memcpy(school, name, clen);
    school[clen] = '\0';
    memcpy(period, us + 1, plen);
    period[plen] = '\0';
    /* canonical "2024-2025-1": the second year the first plus one, term 1 or 2 (spelled out
     * here, not by common/period.c, so that the spool's reader stands alone) */
    if (plen != 11 || period[4] != '-' || period[9] != '-' ||
        (period[10] != '1' && period[10] != '2'))
        return false;
    int y1 = 0, y2 = 0;
    for (int i = 0; i < 4; i++) {
        if (period[i] < '0' || period[i] > '9' || period[5 + i] < '0' || period[5 + i] > '9')
            return false;
        y1 = y1 * 10 + (period[i] - '0');
        y2 = y2 * 10 + (period[5 + i] - '0');
    }
    return y2 == y1 + 1;
}

/* ---- scanning ---- */

struct scan {
    ingest_scan_fn found;
    ingest_skip_fn skipped;
    void *ctx;
    char *err;
    size_t errlen;
    char path[SPOOL_PATH_MAX]; /* relative path of the entry being looked at */
};

static int compare_names(const void *a, const void *b)
{
    /* strcmp compares as unsigned char: byte order, independent of the locale */
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Reads the visible names of the directory open as fd, sorted in byte order. Returns the
 * count and sets *names (one malloc'ed array whose strings live in *store; the caller frees
 * both), or -1 with errno set. fd stays open and keeps its meaning for the *at calls.
 */
static long read_sorted_names(int fd, char ***names, char **store)
{
    int dupfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (dupfd < 0)
        return -1;
    DIR *d = fdopendir(dupfd);
    if (d == NULL) {
        int saved = errno;
        close(dupfd);
        errno = saved;
        return -1;
    }
    buf text = BUF_INIT;
    size_t count = 0;
    int failed = 0;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (de == NULL) {
            failed = errno;
            break;
        }
        /* hidden entries (and . and ..) are not the spool's business, not even to report */
        if (de->d_name[0] == '.')
            continue;
        if (buf_append(&text, de->d_name, strlen(de->d_name) + 1) != 0) {
            failed = ENOMEM;
            break;
        }
        count++;
    }
    (void)closedir(d);
    if (failed != 0) {
        buf_free(&text);
        errno = failed;
        return -1;
    }
    if (count > (size_t)LONG_MAX / 2) {
        buf_free(&text);
        errno = EOVERFLOW;
        return -1;
    }
    char **list = malloc((count > 0 ? count : 1) * sizeof *list);
    if (list == NULL) {
        buf_free(&text);
        errno = ENOMEM;
        return -1;
    }
    char *p = text.data;
    for (size_t i = 0; i < count; i++) {
        list[i] = p;
        p += strlen(p) + 1;
    }
    qsort(list, count, sizeof *list, compare_names);
    *names = list;
    *store = buf_steal(&text);
    return (long)count;
}

static void report_skip(struct scan *s, const char *why)
{
    if (s->skipped != NULL)
        s->skipped(s->path, why, s->ctx);
}

static const char *non_regular_kind(mode_t mode)
{
    if (S_ISLNK(mode))
        return "symbolic link";
    if (S_ISFIFO(mode))
        return "named pipe (FIFO)";
    if (S_ISSOCK(mode))
        return "socket";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "device";
    return "not a regular file";
}

/*
 * Visits the directory open as fd, whose relative path is s->path[0..pathlen).
 * Returns 0, or -1 with s->err set when a callback stopped the scan or memory ran out;
 * a subdirectory that cannot be read is reported as skipped, not fatal.
 */
static int scan_dir(struct scan *s, int fd, size_t pathlen, int depth)
{
    char **names = NULL;
    char *store = NULL;
    long count = read_sorted_names(fd, &names, &store);
    if (count < 0) {
        if (errno == ENOMEM) {
            util_set_err(s->err, s->errlen, "out of memory reading %s", pathlen ? s->path : ".");
            return -1;
        }
        if (depth == 0) {
            util_set_err(s->err, s->errlen, "cannot read the spool directory: %s", strerror(errno));
            return -1;
        }
        char why[128];
        util_set_err(why, sizeof why, "cannot read directory: %s", strerror(errno));
        report_skip(s, why);
        return 0;
    }

    int result = 0;
    for (long i = 0; i < count && result == 0; i++) {
        const char *name = names[i];
        size_t namelen = strlen(name);
        size_t sep = pathlen > 0 ? 1 : 0;
        if (pathlen + sep + namelen >= sizeof s->path) {
            /* cannot happen with NAME_MAX names at SPOOL_MAX_DEPTH, but never overflow */
            s->path[pathlen] = '\0';
            report_skip(s, "entry name too long");
            continue;
        }
        if (sep)
            s->path[pathlen] = '/';
        memcpy(s->path + pathlen + sep, name, namelen + 1);
        size_t sublen = pathlen + sep + namelen;

        struct stat st;
        if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            /* gone between listing and looking: an upload was moved away, nothing to report */
            if (errno != ENOENT) {
                char why[128];
                util_set_err(why, sizeof why, "cannot stat: %s", strerror(errno));
                report_skip(s, why);
            }
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (depth >= SPOOL_MAX_DEPTH) {
                report_skip(s, "directory nested deeper than 8 levels");
                continue;
            }
            int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                if (errno != ENOENT) {
                    char why[128];
                    util_set_err(why, sizeof why, "cannot open directory: %s", strerror(errno));
                    report_skip(s, why);
                }
                continue;
            }
            result = scan_dir(s, sub, sublen, depth + 1);
            (void)close(sub);
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            report_skip(s, non_regular_kind(st.st_mode));
            continue;
        }
        if (ingest_file_kind(name) == INGEST_NOT_INPUT)
            continue;
        int64_t mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + (int64_t)st.st_mtim.tv_nsec;
        if (s->found(s->path, (int64_t)st.st_size, mtime_ns, s->ctx) != 0) {
            util_set_err(s->err, s->errlen, "scan stopped at %s", s->path);
            result = -1;
        }
    }
    s->path[pathlen] = '\0';
    free(names);
    free(store);
    return result;
}

int ingest_spool_scan(const char *dir, ingest_scan_fn found, ingest_skip_fn skipped, void *ctx,
                      char *err, size_t errlen)
{
    /* dir itself comes from the operator's configuration, so a symbolic link there is trusted */
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        util_set_err(err, errlen, "cannot open spool directory %s: %s", dir, strerror(errno));
        return -1;
    }
    struct scan *s = malloc(sizeof *s);
    if (s == NULL) {
        (void)close(fd);
        util_set_err(err, errlen, "out of memory");
        return -1;
    }
    s->found = found;
    s->skipped = skipped;
    s->ctx = ctx;
    s->err = err;
    s->errlen = errlen;
    s->path[0] = '\0';
    int rc = scan_dir(s, fd, 0, 0);
    free(s);
    (void)close(fd);
    return rc;
}

/* ---- reading ---- */

/*
 * Opens relpath under dir one component at a time with O_NOFOLLOW, so no symbolic link
 * planted inside the spool is followed, and ".." cannot climb out of it. A FIFO opens
 * without blocking (O_NONBLOCK) so that the caller's fstat can refuse it.
 * Returns the descriptor, or -1 with errno set.
 */
static int open_in_spool(const char *dir, const char *relpath)
{
    if (relpath[0] == '\0' || relpath[0] == '/') {
        errno = EINVAL;
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -1;
    const char *p = relpath;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);
        int fail = 0;
        char name[NAME_MAX + 1];
        if (n == 0 && slash != NULL) {
            p = slash + 1;
            continue;
        }
        if (n == 0)
            fail = EISDIR;
        else if (n > NAME_MAX)
            fail = ENAMETOOLONG;
        if (fail == 0) {
            memcpy(name, p, n);
            name[n] = '\0';
            if (strcmp(name, "..") == 0)
                fail = EINVAL;
        }
        if (fail != 0) {
            (void)close(dfd);
            errno = fail;
            return -1;
        }
        int flags = slash != NULL ? O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
                                  : O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
        int next = openat(dfd, name, flags);
        int saved = errno;
        (void)close(dfd);
        if (next < 0) {
            errno = saved;
            return -1;
        }
        if (slash == NULL)
            return next;
        dfd = next;
        p = slash + 1;
    }
}

/* read(2) that retries on EINTR and never asks for more than a signed size can report. */
static ssize_t read_some(int fd, void *dst, size_t n)
{
    n = min_size(n, (size_t)1 << 30);
    for (;;) {
        ssize_t got = read(fd, dst, n);
        if (got >= 0 || errno != EINTR)
            return got;
    }
}

enum read_all_result { READ_ALL_OK = 0, READ_ALL_TOO_LARGE, READ_ALL_IO, READ_ALL_NOMEM };

/*
 * Reads fd to its end into out, at most limit bytes. size is what fstat said, so the usual
 * file costs one exact allocation; a file that grows while read may still grow up to limit.
 * *seen receives how many bytes were read, kept or not. READ_ALL_IO leaves errno set.
 */
static enum read_all_result read_all(int fd, size_t size, size_t limit, buf *out, size_t *seen)
{
    *seen = 0;
    if (buf_reserve_within(out, min_size(size, limit), limit) != 0)
        return READ_ALL_NOMEM;
    for (;;) {
        size_t room = out->cap - out->len - 1;
        if (room > 0) {
            ssize_t n = read_some(fd, out->data + out->len, room);
            if (n < 0)
                return READ_ALL_IO;
            if (n == 0)
                break;
            out->len += (size_t)n;
            *seen = out->len;
            continue;
        }
        /* full: look for the end of file without growing the buffer in the usual case */
        char probe[4096];
        ssize_t n = read_some(fd, probe, sizeof probe);
        if (n < 0)
            return READ_ALL_IO;
        if (n == 0)
            break;
        if ((size_t)n > limit - out->len) {
            *seen = out->len + (size_t)n;
            return READ_ALL_TOO_LARGE;
        }
        if (buf_reserve_within(out, (size_t)n, limit) != 0)
            return READ_ALL_NOMEM;
        memcpy(out->data + out->len, probe, (size_t)n);
        out->len += (size_t)n;
        *seen = out->len;
    }
    if (out->data != NULL)
        out->data[out->len] = '\0';
    return READ_ALL_OK;
}

struct reader {
    const char *relpath;
    size_t cap; /* max_submission_bytes */
    ingest_item_fn fn;
    void *ctx;
};

/* Hands one item to the caller. Returns 0, or -1 with errno ECANCELED when fn said stop. */
static int deliver(const struct reader *r, struct ingest_item *it)
{
    if (r->fn(it, r->ctx) != 0) {
        errno = ECANCELED;
        return -1;
    }
    return 0;
}

/* An item whose bytes are not kept (they exceed a limit): nothing to hash, nothing to keep. */
static int deliver_unread(const struct reader *r, const char *ref, size_t byte_size,
                          const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int deliver_unread(const struct reader *r, const char *ref, size_t byte_size,
                          const char *code, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    struct ingest_item it;
    ingest_item_unread(&it, ref, byte_size, code, why);
    return deliver(r, &it);
}

/* An item whose bytes were read: data is hashed as it is. Returns 0 or -1 (errno set). */
static int deliver_bytes(const struct reader *r, const char *ref, const void *data, size_t len,
                         const char *code, const char *why)
{
    struct ingest_item it;
    char capped[160];
    if (ingest_item_read(&it, ref, data, len, code, why) != 0)
        return -1;
    /* the readers stop at the cap, so this never bites; it keeps the rule in one place */
    ingest_item_cap(&it, r->cap, capped, sizeof capped);
    return deliver(r, &it);
}

static int read_json(const struct reader *r, int fd, size_t size)
{
    if (size > r->cap)
        return deliver_unread(r, r->relpath, size, "too_large",
                              "file size %zu exceeds the limit of %zu bytes", size, r->cap);
    buf data = BUF_INIT;
    size_t seen;
    int rc;
    switch (read_all(fd, size, r->cap, &data, &seen)) {
    case READ_ALL_OK:
        rc = deliver_bytes(r, r->relpath, data.data, data.len, NULL, NULL);
        break;
    case READ_ALL_TOO_LARGE:
        rc = deliver_unread(r, r->relpath, seen, "too_large",
                            "file grew beyond the limit of %zu bytes while read", r->cap);
        break;
    case READ_ALL_IO:
        /* nothing received: the caller keeps the file to be read again */
        rc = -1;
        break;
    default:
        errno = ENOMEM;
        rc = -1;
    }
    int saved = errno;
    buf_free(&data);
    errno = saved;
    return rc;
}

/* A workbook: its bytes whole, as received; the transform stage reads its cells. */
static int read_xlsx(const struct reader *r, int fd, size_t size, int64_t mtime_epoch)
{
    size_t cap = INGEST_MAX_WORKBOOK_BYTES;
    if (size > cap)
        return deliver_unread(r, r->relpath, size, "too_large",
                              "workbook size %zu exceeds the limit of %zu bytes", size, cap);
    buf data = BUF_INIT;
    size_t seen;
    int rc;
    switch (read_all(fd, size, cap, &data, &seen)) {
    case READ_ALL_OK: {
        struct ingest_item it = {0};
        it.ref = r->relpath;
        it.data = (const unsigned char *)(data.data != NULL ? data.data : "");
        it.len = data.len;
        it.byte_size = data.len;
        it.workbook = true;
        it.mtime_epoch = mtime_epoch;
        if (util_sha256(it.data, it.len, it.sha256) != 0) {
            errno = ENOMEM;
            rc = -1;
            break;
        }
        it.has_sha256 = true;
        rc = deliver(r, &it);
        break;
    }
    case READ_ALL_TOO_LARGE:
        rc = deliver_unread(r, r->relpath, seen, "too_large",
                            "file grew beyond the limit of %zu bytes while read", cap);
        break;
    case READ_ALL_IO:
        rc = -1; /* nothing received: the caller keeps the file to be read again */
        break;
    default:
        errno = ENOMEM;
        rc = -1;
    }
    int saved = errno;
    buf_free(&data);
    errno = saved;
    return rc;
}

static int read_json_gz(const struct reader *r, int fd, size_t size)
{
    if (size > r->cap)
        return deliver_unread(r, r->relpath, size, "too_large",
                              "compressed size %zu exceeds the limit of %zu bytes", size, r->cap);
    buf packed = BUF_INIT;
    buf plain = BUF_INIT;
    size_t seen;
    int rc;
    switch (read_all(fd, size, r->cap, &packed, &seen)) {
    case READ_ALL_OK:
        break;
    case READ_ALL_TOO_LARGE:
        rc = deliver_unread(r, r->relpath, seen, "too_large",
                            "file grew beyond the limit of %zu bytes while read", r->cap);
        goto done;
    case READ_ALL_IO:
        rc = -1; /* nothing received: the caller keeps the file to be read again */
        goto done;
    default:
        errno = ENOMEM;
        rc = -1;
        goto done;
    }
    char zerr[256] = "";
    int z = ingest_gzip_inflate((const unsigned char *)packed.data, packed.len, r->cap, &plain,
                                zerr, sizeof zerr);
    if (z == 0) {
        rc = deliver_bytes(r, r->relpath, plain.data, plain.len, NULL, NULL);
    } else if (z == 1) {
        char why[320];
        util_set_err(why, sizeof why, "corrupt or truncated gzip data: %s", zerr);
        rc = deliver_bytes(r, r->relpath, packed.data, packed.len, "gzip", why);
    } else if (z == 2) {
        /* keep the compressed bytes: they fit the cap and show what the school sent */
        rc = deliver_bytes(r, r->relpath, packed.data, packed.len, "too_large", zerr);
    } else {
        errno = ENOMEM;
        rc = -1;
    }
done:;
    int saved = errno;
    buf_free(&packed);
    buf_free(&plain);
    errno = saved;
    return rc;
}

/*
 * Splits a byte stream into JSON Lines items. Memory: the current line only, at most
 * cap + 1 bytes (room for a '\r' that may turn out to precede the '\n'); a longer line is
 * counted, not kept.
 */
struct lines {
    const struct reader *r;
    buf line;         /* the current line so far, when it did not lie within one chunk */
    buf ref;          /* "relpath:LINE" of the item being delivered */
    uintmax_t lineno; /* physical lines completed so far */
    bool overlong;    /* the current line outgrew cap: counting it to its end */
    size_t overlong_len;
    bool overlong_blank;
    unsigned char overlong_last;
};

static bool all_blank(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    }
    return true;
}

static int set_line_ref(struct lines *l)
{
    /* "path:LINE" for every line of a shard, without printf */
    buf_reset(&l->ref);
    if (buf_puts(&l->ref, l->r->relpath) != 0 || buf_putc(&l->ref, ':') != 0 ||
        buf_put_int64(&l->ref, (int64_t)l->lineno) != 0) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

/* One complete line; terminated says a '\n' ended it (and so a '\r' before it goes too). */
static int line_done(struct lines *l, const unsigned char *p, size_t n, bool terminated)
{
    l->lineno++;
    if (terminated && n > 0 && p[n - 1] == '\r')
        n--;
    if (all_blank(p, n))
        return 0;
    if (set_line_ref(l) != 0)
        return -1;
    if (n > l->r->cap)
        return deliver_unread(l->r, l->ref.data, n, "too_large",
                              "line of %zu bytes exceeds the limit of %zu bytes", n, l->r->cap);
    return deliver_bytes(l->r, l->ref.data, p, n, NULL, NULL);
}

static int overlong_done(struct lines *l, bool terminated)
{
    size_t n = l->overlong_len;
    if (terminated && l->overlong_last == '\r')
        n--;
    l->overlong = false;
    l->lineno++;
    if (l->overlong_blank)
        return 0;
    if (set_line_ref(l) != 0)
        return -1;
    return deliver_unread(l->r, l->ref.data, n, "too_large",
                          "line of %zu bytes exceeds the limit of %zu bytes", n, l->r->cap);
}

static size_t add_saturating(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* Feeds n more bytes of the stream. Returns 0, or -1 with errno set (ECANCELED, ENOMEM). */
static int lines_feed(struct lines *l, const unsigned char *p, size_t n)
{
    const size_t keep = l->r->cap + 1;
    while (n > 0) {
        const unsigned char *nl = memchr(p, '\n', n);
        size_t seg = nl != NULL ? (size_t)(nl - p) : n;
        if (l->overlong) {
            l->overlong_len = add_saturating(l->overlong_len, seg);
            if (l->overlong_blank)
                l->overlong_blank = all_blank(p, seg);
            if (seg > 0)
                l->overlong_last = p[seg - 1];
            if (nl != NULL && overlong_done(l, true) != 0)
                return -1;
        } else if (nl != NULL && l->line.len == 0) {
            /* the whole line lies in this chunk: no copy */
            if (line_done(l, p, seg, true) != 0)
                return -1;
        } else if (seg > keep - l->line.len) {
            l->overlong = true;
            l->overlong_len = l->line.len + seg;
            l->overlong_blank =
                all_blank((const unsigned char *)l->line.data, l->line.len) && all_blank(p, seg);
            l->overlong_last = p[seg - 1];
            buf_reset(&l->line);
            if (nl != NULL && overlong_done(l, true) != 0)
                return -1;
        } else {
            if (buf_reserve_within(&l->line, seg, keep) != 0) {
                errno = ENOMEM;
                return -1;
            }
            memcpy(l->line.data + l->line.len, p, seg);
            l->line.len += seg;
            if (nl != NULL) {
                int rc = line_done(l, (const unsigned char *)l->line.data, l->line.len, true);
                buf_reset(&l->line);
                if (rc != 0)
                    return -1;
            }
        }
        if (nl == NULL)
            break;
        p = nl + 1;
        n -= seg + 1;
    }
    return 0;
}

/* The end of the stream: a last line without '\n' is still a line. */
static int lines_finish(struct lines *l)
{
    if (l->overlong)
        return overlong_done(l, false);
    if (l->line.len == 0)
        return 0;
    int rc = line_done(l, (const unsigned char *)l->line.data, l->line.len, false);
    buf_reset(&l->line);
    return rc;
}

static void lines_free(struct lines *l)
{
    buf_free(&l->line);
    buf_free(&l->ref);
}

static int read_jsonl(const struct reader *r, int fd)
{
    struct lines l = {.r = r, .line = BUF_INIT, .ref = BUF_INIT};
    unsigned char *chunk = malloc(SPOOL_CHUNK);
    if (chunk == NULL) {
        errno = ENOMEM;
        return -1;
    }
    int rc;
    for (;;) {
        ssize_t n = read_some(fd, chunk, SPOOL_CHUNK);
        if (n < 0) {
            /* a partial last line is not delivered: it may not be what the school sent; the
             * lines before it were, and the caller keeps the file to be read again */
            rc = -1;
            break;
        }
        if (n == 0) {
            rc = lines_finish(&l);
            break;
        }
        rc = lines_feed(&l, chunk, (size_t)n);
        if (rc != 0)
            break;
    }
    int saved = errno;
    free(chunk);
    lines_free(&l);
    errno = saved;
    return rc;
}

/*
 * JSON Lines inside gzip, inflated as read. The compressed bytes are hashed on the way, so
 * that a corrupt stream can still be recorded by the digest of what the school sent.
 */
static int read_jsonl_gz(const struct reader *r, int fd)
{
    struct lines l = {.r = r, .line = BUF_INIT, .ref = BUF_INIT};
    unsigned char *in = malloc(SPOOL_CHUNK);
    unsigned char *out = malloc(SPOOL_CHUNK);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    z_stream zs = {0};
    bool zs_ready = false;
    int rc = -1;
    int saved = ENOMEM;
    if (in == NULL || out == NULL || md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
        goto done;
    int zrc = inflateInit2(&zs, 16 + MAX_WBITS);
    if (zrc != Z_OK)
        goto done;
    zs_ready = true;

    size_t total_in = 0;
    bool member_ended = false;
    char gzerr[256] = "";
    for (;;) {
        ssize_t n = read_some(fd, in, SPOOL_CHUNK);
        if (n < 0) {
            saved = errno; /* as for plain JSON Lines: the lines before it were delivered */
            goto done;
        }
        if (n == 0)
            break;
        total_in = add_saturating(total_in, (size_t)n);
        if (EVP_DigestUpdate(md, in, (size_t)n) != 1)
            goto done;
        if (gzerr[0] != '\0')
            continue; /* past a corrupt spot only the digest still matters */

        zs.next_in = in;
        zs.avail_in = (uInt)n;
        bool out_full = false;
        while (gzerr[0] == '\0' && (zs.avail_in > 0 || out_full)) {
            if (member_ended) {
                /* more bytes after a member: a concatenated member, or garbage inflate refuses */
                if (inflateReset(&zs) != Z_OK)
                    goto done;
                member_ended = false;
            }
            zs.next_out = out;
            zs.avail_out = SPOOL_CHUNK;
            zrc = inflate(&zs, Z_NO_FLUSH);
            size_t made = SPOOL_CHUNK - zs.avail_out;
            out_full = zs.avail_out == 0;
            if (made > 0 && lines_feed(&l, out, made) != 0) {
                saved = errno;
                goto done;
            }
            if (zrc == Z_STREAM_END) {
                member_ended = true;
                out_full = false;
            } else if (zrc == Z_OK) {
                continue;
            } else if (zrc == Z_BUF_ERROR && zs.avail_in == 0) {
                break; /* needs the next chunk */
            } else if (zrc == Z_MEM_ERROR) {
                goto done;
            } else {
                util_set_err(gzerr, sizeof gzerr, "%s",
                             zs.msg != NULL ? zs.msg : "invalid gzip data");
            }
        }
    }
    if (gzerr[0] == '\0' && !member_ended)
        util_set_err(gzerr, sizeof gzerr, "unexpected end of gzip data");
    if (gzerr[0] == '\0') {
        rc = lines_finish(&l);
        saved = errno;
        goto done;
    }

    struct ingest_item it = {0};
    unsigned int mdlen = 0;
    if (EVP_DigestFinal_ex(md, it.sha256, &mdlen) != 1 || mdlen != UTIL_SHA256_LEN)
        goto done;
    char why[320];
    util_set_err(why, sizeof why, "corrupt or truncated gzip data after line %ju: %s", l.lineno,
                 gzerr);
    it.ref = r->relpath;
    it.byte_size = total_in;
    it.has_sha256 = true;
    it.error_code = "gzip";
    it.error = why;
    rc = deliver(r, &it);
    saved = errno;
done:
    if (zs_ready)
        (void)inflateEnd(&zs);
    EVP_MD_CTX_free(md);
    free(in);
    free(out);
    lines_free(&l);
    if (rc != 0)
        errno = saved;
    return rc;
}

int ingest_spool_read(const char *dir, const char *relpath, const struct ingest_limits *lim,
                      ingest_item_fn fn, void *ctx)
{
    enum ingest_file_kind kind = ingest_file_kind(relpath);
    if (kind == INGEST_NOT_INPUT || kind == INGEST_SUMMARY) {
        errno = EINVAL;
        return -1;
    }
    int fd = open_in_spool(dir, relpath);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        (void)close(fd);
        errno = saved;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        /* replaced by something else since the scan: there is no submission to record */
        (void)close(fd);
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return -1;
    }
    struct reader r = {
        .relpath = relpath,
        .cap = lim != NULL ? lim->max_submission_bytes : INGEST_DEFAULT_MAX_SUBMISSION,
        .fn = fn,
        .ctx = ctx,
    };
    /* cap + 2 bytes must stay representable for the line buffer and its NUL */
    r.cap = min_size(r.cap, SIZE_MAX / 2);
    size_t max_file = lim != NULL ? lim->max_file_bytes : INGEST_DEFAULT_MAX_FILE;
    uintmax_t size = (uintmax_t)st.st_size;

    int rc;
    if (size > max_file) {
        rc = deliver_unread(&r, relpath, size > SIZE_MAX ? SIZE_MAX : (size_t)size, "too_large",
                            "file size %ju exceeds the limit of %zu bytes", size, max_file);
    } else if (kind == INGEST_JSON) {
        rc = read_json(&r, fd, (size_t)size);
    } else if (kind == INGEST_JSON_GZ) {
        rc = read_json_gz(&r, fd, (size_t)size);
    } else if (kind == INGEST_JSONL) {
        rc = read_jsonl(&r, fd);
    } else if (kind == INGEST_XLSX) {
        rc = read_xlsx(&r, fd, (size_t)size, (int64_t)st.st_mtim.tv_sec);
    } else {
        rc = read_jsonl_gz(&r, fd);
    }
    int saved = errno;
    (void)close(fd);
    if (rc != 0)
        errno = saved;
    return rc;
}
