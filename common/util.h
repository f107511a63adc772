/* util.h - checked number parsing, hashing, time and file helpers. */
#ifndef XINYU_UTIL_H
#define XINYU_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define UTIL_SHA256_LEN 32

/* Parses all of s as a base-10 integer within [min, max]. Returns 0, or -1 (out is untouched). */
int util_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
int util_parse_int(const char *s, int min, int max, int *out);

/* SHA-256 of data through OpenSSL's EVP. Returns 0, or -1 if the digest failed. */
int util_sha256(const void *data, size_t len, unsigned char out[UTIL_SHA256_LEN]);
/* SHA-256 of data given in pieces: util_sha256_begin, util_sha256_update for every piece,
 * util_sha256_end (which frees the state, also after a failure). NULL or -1 on failure. */
struct util_sha256;
struct util_sha256 *util_sha256_begin(void);
int util_sha256_update(struct util_sha256 *st, const void *data, size_t len);
int util_sha256_end(struct util_sha256 *st, unsigned char out[UTIL_SHA256_LEN]);
/* Writes 2*len lowercase hex digits and a NUL into out (size >= 2*len+1). */
void util_hex(const unsigned char *data, size_t len, char *out);

/*
 * Days since 1970-01-01 of a proleptic Gregorian date; no range check beyond
 * what the caller did. Used for RFC 3339 parsing without the C library's time zone.
 */
int64_t util_days_from_civil(int64_t y, unsigned m, unsigned d);
bool util_valid_date(int y, int m, int d);

/*
 * Parses an RFC 3339 timestamp with a mandatory offset ("Z" or ±hh:mm) into
 * seconds since 1970 UTC. Returns 0, or -1 when malformed or not a real date.
 */
int util_parse_rfc3339(const char *text, int64_t *epoch);

/* Formats the current time as RFC 3339 in UTC+8 (the bureau's zone), e.g.
 * 2025-01-21T02:00:00+08:00. */
void util_now_rfc3339(char *out, size_t outlen);

/* Monotonic seconds, for timings. */
double util_monotonic(void);

/* Reads a whole regular file of at most max bytes. Returns a malloc'ed buffer the
 * caller frees (NUL-terminated; *len excludes the NUL), or NULL with errno set
 * (EFBIG when larger than max). */
char *util_read_file(const char *path, size_t max, size_t *len);

/*
 * Creates a new empty file beside path, to be renamed onto it once written whole: named
 * path.tmp.XXXXXX by mkostemp, so O_CREAT|O_EXCL (and O_NOFOLLOW): never a file or symlink
 * that is already there, whatever someone planted in the directory. Mode 0644, as the
 * report files are read by others. Returns the descriptor (close-on-exec) with its name in
 * tmp (size n), or -1 with errno set (ENAMETOOLONG when the name does not fit).
 */
int util_create_beside(const char *path, char *tmp, size_t n);

/* Writes data to path atomically (temporary file in the same directory, fsync,
 * rename). Returns 0, or -1 with errno set. */
int util_write_file_atomic(const char *path, const void *data, size_t len);
/* The same, with durable false: without the fsync, for many small files that the caller
 * makes durable together with util_sync_filesystem. */
int util_write_file_replace(const char *path, const void *data, size_t len, bool durable);
/* Writes out everything cached of the file system that holds dir (syncfs). 0, or -1 with
 * errno set. */
int util_sync_filesystem(const char *dir);

/* mkdir -p with mode 0755 (0700 when private). Returns 0, or -1 with errno set. */
int util_mkdirs(const char *path, bool private_dir);

/* Copies s into dst (size n) and returns 0, or -1 when it did not fit (dst then holds a truncated
 * copy). */
int util_strlcpy(char *dst, const char *s, size_t n);

/*
 * True when data is not valid UTF-8 but its first bytes (up to 64 KB) read as GB18030
 * (which contains GBK and GB2312) with at least four Chinese characters: a file saved in the
 * legacy Chinese encoding of Windows, whose school is better told to save it as UTF-8 than
 * shown every byte that is not UTF-8. Never fails: false when iconv cannot convert.
 */
bool util_looks_gb18030(const char *data, size_t len);

/* Formats a reason into err (size errlen) for a caller that returns failure: nothing when err
 * is NULL or errlen 0; a reason cut short is still a reason, the return code carries the
 * meaning. Never fails. */
void util_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
