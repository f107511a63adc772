/* ingest_zip.c - bounded reading of zip archives held in memory, on libminizip's unzip API. */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unzip.h>

#include "common/util.h"
#include "ingest/ingest_zip.h"

#define ZIP_CHUNK (64u * 1024)
#define ZIP_NAME_MAX 1024u /* Office part names are short; a longer one is not an Office file */

struct zip_entry {
    struct ingest_zip_part part;
    unz64_file_pos pos;
};

/* The archive's bytes as minizip sees its "file": read-only, position per open stream. */
struct mem_file {
    const unsigned char *data;
    size_t len;
    size_t pos;
};

struct ingest_zip {
    struct mem_file mem;
    unzFile uf;
    struct ingest_zip_limits lim;
    struct zip_entry *entries;
    size_t count;
    uint64_t total_read;
};

/* minizip opens the "file" once per unzOpen; the stream is the shared mem_file, rewound. */
static voidpf mem_open(voidpf opaque, const void *filename, int mode)
{
    (void)filename;
    if ((mode & ZLIB_FILEFUNC_MODE_READ) == 0 || (mode & ZLIB_FILEFUNC_MODE_WRITE) != 0)
        return NULL;
    struct mem_file *m = opaque;
    m->pos = 0;
    return m;
}

static uLong mem_read(voidpf opaque, voidpf stream, void *out, uLong size)
{
    (void)opaque;
    struct mem_file *m = stream;
    size_t left = m->len - m->pos;
    size_t n = size < left ? (size_t)size : left;
    if (n > 0)
        memcpy(out, m->data + m->pos, n);
    m->pos += n;
    return (uLong)n;
}

static uLong mem_write(voidpf opaque, voidpf stream, const void *in, uLong size)
{
    (void)opaque;
    (void)stream;
    (void)in;
    (void)size;
    return 0; /* read-only */
}

static ZPOS64_T mem_tell(voidpf opaque, voidpf stream)
{
    (void)opaque;
    return ((struct mem_file *)stream)->pos;
}

/* Seeking past either end fails: a header pointing outside the archive is corruption. */
static long mem_seek(voidpf opaque, voidpf stream, ZPOS64_T offset, int origin)
{
    (void)opaque;
    struct mem_file *m = stream;
    uint64_t base;
    switch (origin) {
    case ZLIB_FILEFUNC_SEEK_SET:
        base = 0;
        break;
    case ZLIB_FILEFUNC_SEEK_CUR:
        base = m->pos;
        break;
    case ZLIB_FILEFUNC_SEEK_END:
        base = m->len;
        break;
    default:
        return -1;
    }
    /* minizip passes only forward offsets from SET and CUR; from END it passes 0 */
    if (offset > m->len || base > m->len - offset)
        return -1;
    m->pos = (size_t)(base + offset);
    return 0;
}

static int mem_close(voidpf opaque, voidpf stream)
{
    (void)opaque;
    (void)stream;
    return 0;
}

static int mem_error(voidpf opaque, voidpf stream)
{
    (void)opaque;
    (void)stream;
    return 0;
}

/*
 * True when the archive ends exactly with its end-of-central-directory record (and comment):
 * minizip tolerates a record cut short, but a file that lost its tail was not received whole.
 */
static bool eocd_complete(const unsigned char *data, size_t len)
{
    if (len < 22)
        return false;
    size_t lowest = len > 22 + 65535 ? len - 22 - 65535 : 0;
    for (size_t at = len - 22 + 1; at-- > lowest;) {
        if (data[at] == 'P' && data[at + 1] == 'K' && data[at + 2] == 5 && data[at + 3] == 6) {
            size_t comment = (size_t)data[at + 20] | (size_t)data[at + 21] << 8;
            if (at + 22 + comment == len)
                return true;
        }
    }
    return false;
}

bool ingest_zip_magic(const unsigned char *data, size_t len)
{
    return len >= 4 && data[0] == 'P' && data[1] == 'K' &&
           ((data[2] == 3 && data[3] == 4) || (data[2] == 5 && data[3] == 6));
}

const char *ingest_zip_status_name(int status)
{
    switch (status) {
    case INGEST_ZIP_NOMEM:
        return "out_of_memory";
    case INGEST_ZIP_OK:
        return "ok";
    case INGEST_ZIP_CORRUPT:
        return "corrupt";
    case INGEST_ZIP_MISSING:
        return "missing";
    case INGEST_ZIP_ENCRYPTED:
        return "encrypted";
    case INGEST_ZIP_UNSUPPORTED:
        return "unsupported";
    case INGEST_ZIP_TOO_MANY:
        return "too_many_parts";
    case INGEST_ZIP_TOO_LARGE:
        return "too_large";
    case INGEST_ZIP_STOPPED:
        return "stopped";
    default:
        return "unknown";
    }
}

void ingest_zip_close(struct ingest_zip *z)
{
    if (z == NULL)
        return;
    if (z->uf != NULL)
        (void)unzClose(z->uf);
    for (size_t i = 0; i < z->count; i++)
        free((char *)z->entries[i].part.name);
    free(z->entries);
    free(z);
}

/* Reads the current entry's header into e (name malloc'ed). Returns a status. */
static int list_current(struct ingest_zip *z, struct zip_entry *e, char *err, size_t errlen)
{
    unz_file_info64 info;
    char name[ZIP_NAME_MAX + 1];
    int rc = unzGetCurrentFileInfo64(z->uf, &info, name, sizeof name, NULL, 0, NULL, 0);
    if (rc != UNZ_OK) {
        util_set_err(err, errlen, "corrupt zip: cannot read the central directory entry %zu",
                     z->count + 1);
        return INGEST_ZIP_CORRUPT;
    }
    if (info.size_filename > ZIP_NAME_MAX) {
        util_set_err(err, errlen, "corrupt zip: part %zu has a name of %lu bytes", z->count + 1,
                     (unsigned long)info.size_filename);
        return INGEST_ZIP_CORRUPT;
    }
    /* a NUL inside the declared length would make two different names look alike */
    if (strlen(name) != info.size_filename || info.size_filename == 0) {
        util_set_err(err, errlen, "corrupt zip: part %zu has an empty name or one with a NUL byte",
                     z->count + 1);
        return INGEST_ZIP_CORRUPT;
    }
    if (unzGetFilePos64(z->uf, &e->pos) != UNZ_OK) {
        util_set_err(err, errlen, "corrupt zip: cannot locate part %s", name);
        return INGEST_ZIP_CORRUPT;
    }
    e->part.name = strdup(name);
    if (e->part.name == NULL)
        return INGEST_ZIP_NOMEM;
    e->part.declared_size = info.uncompressed_size;
    e->part.compressed_size = info.compressed_size;
    e->part.method = (int)info.compression_method;
    e->part.encrypted = (info.flag & 1u) != 0;
    return INGEST_ZIP_OK;
}

static int cmp_entry_name(const void *a, const void *b)
{
    const struct zip_entry *x = a, *y = b;
    return strcmp(x->part.name, y->part.name);
}

int ingest_zip_open(const unsigned char *data, size_t len, const struct ingest_zip_limits *lim,
                    struct ingest_zip **out, char *err, size_t errlen)
{
    *out = NULL;
    struct ingest_zip *z = calloc(1, sizeof *z);
    if (z == NULL)
        return INGEST_ZIP_NOMEM;
    z->mem.data = data;
    z->mem.len = len;
    if (lim != NULL) {
        z->lim = *lim;
    } else {
        z->lim.max_parts = INGEST_ZIP_DEFAULT_MAX_PARTS;
        z->lim.max_part_bytes = INGEST_ZIP_DEFAULT_MAX_PART_BYTES;
        z->lim.max_total_bytes = INGEST_ZIP_DEFAULT_MAX_TOTAL_BYTES;
    }

    if (!ingest_zip_magic(data, len)) {
        util_set_err(err, errlen, "not a zip archive (no zip signature at the start)");
        ingest_zip_close(z);
        return INGEST_ZIP_CORRUPT;
    }
    if (!eocd_complete(data, len)) {
        util_set_err(err, errlen,
                     "corrupt zip: truncated (the end of its central directory is missing)");
        ingest_zip_close(z);
        return INGEST_ZIP_CORRUPT;
    }
    zlib_filefunc64_def ff = {
        .zopen64_file = mem_open,
        .zread_file = mem_read,
        .zwrite_file = mem_write,
        .ztell64_file = mem_tell,
        .zseek64_file = mem_seek,
        .zclose_file = mem_close,
        .zerror_file = mem_error,
        .opaque = &z->mem,
    };
    z->uf = unzOpen2_64(&z->mem, &ff);
    if (z->uf == NULL) {
        util_set_err(err, errlen,
                     "corrupt zip: no readable central directory (truncated or damaged)");
        ingest_zip_close(z);
        return INGEST_ZIP_CORRUPT;
    }
    unz_global_info64 gi;
    if (unzGetGlobalInfo64(z->uf, &gi) != UNZ_OK) {
        util_set_err(err, errlen, "corrupt zip: unreadable end of central directory");
        ingest_zip_close(z);
        return INGEST_ZIP_CORRUPT;
    }
    /* the count is a claim: checked here, and again while walking the directory */
    if (gi.number_entry > z->lim.max_parts) {
        util_set_err(err, errlen, "zip has %llu parts, more than the limit of %zu",
                     (unsigned long long)gi.number_entry, z->lim.max_parts);
        ingest_zip_close(z);
        return INGEST_ZIP_TOO_MANY;
    }
    size_t want = gi.number_entry > 0 ? (size_t)gi.number_entry : 1;
    z->entries = calloc(want, sizeof *z->entries);
    if (z->entries == NULL) {
        ingest_zip_close(z);
        return INGEST_ZIP_NOMEM;
    }
    int rc = gi.number_entry > 0 ? unzGoToFirstFile(z->uf) : UNZ_END_OF_LIST_OF_FILE;
    while (rc == UNZ_OK) {
        if (z->count == want) {
            util_set_err(err, errlen, "corrupt zip: more parts than its directory declares (%zu)",
                         want);
            ingest_zip_close(z);
            return INGEST_ZIP_CORRUPT;
        }
        int st = list_current(z, &z->entries[z->count], err, errlen);
        if (st != INGEST_ZIP_OK) {
            ingest_zip_close(z);
            return st;
        }
        z->count++;
        rc = unzGoToNextFile(z->uf);
    }
    if (rc != UNZ_END_OF_LIST_OF_FILE || z->count != gi.number_entry) {
        util_set_err(err, errlen, "corrupt zip: central directory ends after %zu of %llu parts",
                     z->count, (unsigned long long)gi.number_entry);
        ingest_zip_close(z);
        return INGEST_ZIP_CORRUPT;
    }
    /* sorted for ingest_zip_find; a name twice would let a checker and a reader disagree */
    qsort(z->entries, z->count, sizeof *z->entries, cmp_entry_name);
    for (size_t i = 1; i < z->count; i++) {
        if (strcmp(z->entries[i - 1].part.name, z->entries[i].part.name) == 0) {
            util_set_err(err, errlen, "corrupt zip: part %s appears twice",
                         z->entries[i].part.name);
            ingest_zip_close(z);
            return INGEST_ZIP_CORRUPT;
        }
    }
    *out = z;
    return INGEST_ZIP_OK;
}

size_t ingest_zip_count(const struct ingest_zip *z)
{
    return z->count;
}

const struct ingest_zip_part *ingest_zip_part_at(const struct ingest_zip *z, size_t i)
{
    return i < z->count ? &z->entries[i].part : NULL;
}

long ingest_zip_find(const struct ingest_zip *z, const char *name)
{
    size_t lo = 0, hi = z->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(z->entries[mid].part.name, name);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

bool ingest_zip_any_encrypted(const struct ingest_zip *z)
{
    for (size_t i = 0; i < z->count; i++)
        if (z->entries[i].part.encrypted)
            return true;
    return false;
}

uint64_t ingest_zip_total_read(const struct ingest_zip *z)
{
    return z->total_read;
}

/* The sink of one read: into a buffer, or piece by piece into a callback. */
struct sink {
    buf *out;
    ingest_zip_chunk_fn fn;
    void *ctx;
};

static int read_part(struct ingest_zip *z, const char *name, size_t cap, const struct sink *sink,
                     char *err, size_t errlen)
{
    long idx = ingest_zip_find(z, name);
    if (idx < 0) {
        util_set_err(err, errlen, "zip has no part %s", name);
        return INGEST_ZIP_MISSING;
    }
    const struct zip_entry *e = &z->entries[idx];
    if (e->part.encrypted) {
        util_set_err(err, errlen, "part %s is encrypted", name);
        return INGEST_ZIP_ENCRYPTED;
    }
    if (e->part.method != 0 && e->part.method != Z_DEFLATED) {
        util_set_err(err, errlen, "part %s uses compression method %d (only stored and deflate)",
                     name, e->part.method);
        return INGEST_ZIP_UNSUPPORTED;
    }
    size_t part_cap = z->lim.max_part_bytes;
    if (cap > 0 && cap < part_cap)
        part_cap = cap;
    unz64_file_pos pos = e->pos;
    if (unzGoToFilePos64(z->uf, &pos) != UNZ_OK || unzOpenCurrentFile(z->uf) != UNZ_OK) {
        util_set_err(err, errlen, "corrupt zip: cannot open part %s", name);
        return INGEST_ZIP_CORRUPT;
    }

    unsigned char *chunk = sink->fn != NULL ? malloc(ZIP_CHUNK) : NULL;
    if (sink->fn != NULL && chunk == NULL) {
        (void)unzCloseCurrentFile(z->uf);
        return INGEST_ZIP_NOMEM;
    }
    size_t part_read = 0;
    int status = INGEST_ZIP_OK;
    for (;;) {
        unsigned char *dst;
        if (sink->out != NULL) {
            if (buf_reserve(sink->out, ZIP_CHUNK) != 0) {
                status = INGEST_ZIP_NOMEM;
                break;
            }
            dst = (unsigned char *)sink->out->data + sink->out->len;
        } else {
            dst = chunk;
        }
        int n = unzReadCurrentFile(z->uf, dst, ZIP_CHUNK);
        if (n < 0) {
            util_set_err(err, errlen, "corrupt zip: part %s cannot be inflated (error %d)", name,
                         n);
            status = INGEST_ZIP_CORRUPT;
            break;
        }
        if (n == 0)
            break;
        size_t got = (size_t)n;
        /* counted on what came out of inflate, never on what the headers claim */
        if (got > part_cap - part_read) {
            util_set_err(err, errlen, "part %s inflates to more than %zu bytes", name, part_cap);
            status = INGEST_ZIP_TOO_LARGE;
            break;
        }
        if (got > z->lim.max_total_bytes - z->total_read) {
            util_set_err(err, errlen, "zip inflates to more than %zu bytes in total (at part %s)",
                         z->lim.max_total_bytes, name);
            status = INGEST_ZIP_TOO_LARGE;
            break;
        }
        part_read += got;
        z->total_read += got;
        if (sink->out != NULL) {
            sink->out->len += got;
            sink->out->data[sink->out->len] = '\0';
        } else if (sink->fn(chunk, got, sink->ctx) != 0) {
            util_set_err(err, errlen, "reading part %s was stopped", name);
            status = INGEST_ZIP_STOPPED;
            break;
        }
    }
    int crc = unzCloseCurrentFile(z->uf);
    if (status == INGEST_ZIP_OK && crc != UNZ_OK) {
        util_set_err(err, errlen, "corrupt zip: part %s fails its CRC check", name);
        status = INGEST_ZIP_CORRUPT;
    }
    free(chunk);
    return status;
}

int ingest_zip_read(struct ingest_zip *z, const char *name, size_t cap, buf *out, char *err,
                    size_t errlen)
{
    struct sink s = {.out = out};
    return read_part(z, name, cap, &s, err, errlen);
}

int ingest_zip_stream(struct ingest_zip *z, const char *name, ingest_zip_chunk_fn fn, void *ctx,
                      char *err, size_t errlen)
{
    struct sink s = {.fn = fn, .ctx = ctx};
    return read_part(z, name, 0, &s, err, errlen);
}
