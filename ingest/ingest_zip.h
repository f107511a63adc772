/*
 * ingest_zip.h - reading the parts of a zip archive held in memory (.xlsx, .docx), bounded.
 *
 * Office files are zip archives. This module opens one from a byte buffer with Debian's
 * libminizip (its unzip API over memory-backed file functions), lists its parts, and reads
 * one part whole or streams it to a callback. Nothing in the archive's headers is trusted
 * for sizes: the caps below are counted on the bytes actually inflated, and reading stops
 * as soon as one would be exceeded, so a zip bomb costs at most the cap.
 *
 *   struct ingest_zip *z;
 *   if (ingest_zip_open(data, len, NULL, &z, err, sizeof err) != INGEST_ZIP_OK) ...
 *   buf xml = BUF_INIT;
 *   rc = ingest_zip_read(z, "xl/workbook.xml", 0, &xml, err, sizeof err);
 *   ingest_zip_close(z);
 *
 * Every failure fills err with a lowercase English reason naming the part; callers that
 * speak to a school map the returned code to Chinese (ingest_zip_status_zh).
 */
#ifndef XINYU_INGEST_ZIP_H
#define XINYU_INGEST_ZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define INGEST_ZIP_DEFAULT_MAX_PARTS 1000u
#define INGEST_ZIP_DEFAULT_MAX_PART_BYTES (64u * 1024 * 1024)   /* one part, inflated */
#define INGEST_ZIP_DEFAULT_MAX_TOTAL_BYTES (256u * 1024 * 1024) /* all reads of one archive */

struct ingest_zip_limits {
    size_t max_parts;       /* entries in the central directory */
    size_t max_part_bytes;  /* inflated bytes of one part */
    size_t max_total_bytes; /* inflated bytes over every read of this archive, together */
};

/* What the functions return; INGEST_ZIP_OK is 0, the failures are distinct. */
enum ingest_zip_status {
    INGEST_ZIP_NOMEM = -1,
    INGEST_ZIP_OK = 0,
    INGEST_ZIP_CORRUPT,     /* not a zip, truncated, bad CRC, broken deflate data */
    INGEST_ZIP_MISSING,     /* no part of that name */
    INGEST_ZIP_ENCRYPTED,   /* the part (or, at open, any part) is password-protected */
    INGEST_ZIP_UNSUPPORTED, /* compression method other than stored or deflate */
    INGEST_ZIP_TOO_MANY,    /* more parts than max_parts */
    INGEST_ZIP_TOO_LARGE,   /* a part or the whole inflates past its cap */
    INGEST_ZIP_STOPPED      /* the stream callback asked to stop */
};

/* One entry of the archive, as its central directory declares it (sizes are claims only). */
struct ingest_zip_part {
    const char *name; /* as stored (UTF-8 for Office files); owned by the archive */
    uint64_t declared_size;
    uint64_t compressed_size;
    int method; /* 0 stored, 8 deflate */
    bool encrypted;
};

struct ingest_zip;

/*
 * Opens the archive in data[0..len) (not copied: data must outlive the handle). lim NULL
 * means the defaults. Lists the central directory at once: duplicate names, names with a
 * NUL, and more than max_parts entries are refused. Encrypted entries are listed, and
 * reading one fails with INGEST_ZIP_ENCRYPTED. Returns INGEST_ZIP_OK with *out set (the
 * caller frees it with ingest_zip_close), or a failure code with *out NULL and err set.
 */
int ingest_zip_open(const unsigned char *data, size_t len, const struct ingest_zip_limits *lim,
                    struct ingest_zip **out, char *err, size_t errlen);

/* Frees the handle; accepts NULL. */
void ingest_zip_close(struct ingest_zip *z);

/* Number of parts; never more than max_parts. */
size_t ingest_zip_count(const struct ingest_zip *z);

/* Part i (0 <= i < count), or NULL when out of range. Valid until ingest_zip_close. */
const struct ingest_zip_part *ingest_zip_part_at(const struct ingest_zip *z, size_t i);

/* Index of the part named name (exact, case-sensitive as zip is), or -1 when there is none. */
long ingest_zip_find(const struct ingest_zip *z, const char *name);

/* True when any part is encrypted (an encrypted Office file is not a zip at all; this is for
 * zips that lock single parts). */
bool ingest_zip_any_encrypted(const struct ingest_zip *z);

/*
 * Appends the inflated part named name to out (NUL-terminated as buf always is). cap > 0
 * lowers the per-part limit for this read. On failure out holds what was appended so far
 * and err the reason. Returns an enum ingest_zip_status.
 */
int ingest_zip_read(struct ingest_zip *z, const char *name, size_t cap, buf *out, char *err,
                    size_t errlen);

/* Receives the inflated bytes of a part in pieces; returns 0 to go on, nonzero to stop. */
typedef int (*ingest_zip_chunk_fn)(const unsigned char *data, size_t len, void *ctx);

/*
 * Inflates the part named name piece by piece (at most 64 KiB each) into fn, never holding
 * more than one piece: the way to read a part whose size is only bounded by the caps. The
 * caps are checked before each piece is handed on, so fn never sees a byte beyond them; a
 * CRC failure is reported after the last piece (fn may already have seen all the bytes, so
 * a caller that must not act on bad data keeps its results until this returns OK). Returns
 * an enum ingest_zip_status; INGEST_ZIP_STOPPED when fn returned nonzero.
 */
int ingest_zip_stream(struct ingest_zip *z, const char *name, ingest_zip_chunk_fn fn, void *ctx,
                      char *err, size_t errlen);

/* Inflated bytes read from this archive so far (what max_total_bytes is counted against). */
uint64_t ingest_zip_total_read(const struct ingest_zip *z);

/* A short English name of a status code ("corrupt", "too_large", ...), never NULL. */
const char *ingest_zip_status_name(int status);

/* True when data starts like a zip archive (local header "PK\3\4" or an empty archive). */
bool ingest_zip_magic(const unsigned char *data, size_t len);

#endif
