/* util.c - checked number parsing, hashing, time and file helpers. */
#define _GNU_SOURCE /* syncfs */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/util.h"

int util_parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (s == NULL || *s == '\0')
        return -1;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = (int64_t)v;
    return 0;
}

int util_parse_int(const char *s, int min, int max, int *out)
{
    int64_t v;
    if (util_parse_int64(s, min, max, &v) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

/* SHA-256 fetched from the provider once: EVP_sha256() is looked up again, under a lock, in
 * every digest made with it, and every received item is hashed. NULL when the fetch failed
 * (EVP_sha256() is used then). Kept for the life of the process. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int util_sha256(const void *data, size_t len, unsigned char out[UTIL_SHA256_LEN])
{
    pthread_once(&sha256_once, fetch_sha256);
    const EVP_MD *md = sha256_md != NULL ? sha256_md : EVP_sha256();
    unsigned int outlen = 0;
    if (EVP_Digest(data, len, out, &outlen, md, NULL) != 1 || outlen != UTIL_SHA256_LEN)
        return -1;
    return 0;
}

struct util_sha256 *util_sha256_begin(void)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        md = NULL;
    }
    return (struct util_sha256 *)md;
}

int util_sha256_update(struct util_sha256 *st, const void *data, size_t len)
{
    return EVP_DigestUpdate((EVP_MD_CTX *)st, data, len) == 1 ? 0 : -1;
}

int util_sha256_end(struct util_sha256 *st, unsigned char out[UTIL_SHA256_LEN])
{
    EVP_MD_CTX *md = (EVP_MD_CTX *)st;
    unsigned int outlen = 0;
    int rc = md != NULL && EVP_DigestFinal_ex(md, out, &outlen) == 1 && outlen == UTIL_SHA256_LEN
                 ? 0
                 : -1;
    EVP_MD_CTX_free(md);
    return rc;
}

void util_hex(const unsigned char *data, size_t len, char *out)
{
    /* hashes and digests only: the raw bytes go to the database as they are (copybin.h) */
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}

/* Howard Hinnant's days_from_civil; exact for the proleptic Gregorian calendar. */
int64_t util_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

bool util_valid_date(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
        return false;
    int max = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        max = 29;
    return d <= max;
}

void util_now_rfc3339(char *out, size_t outlen)
{
    time_t now = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, outlen, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
}

double util_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *util_read_file(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return NULL;
    }
    if ((unsigned long long)st.st_size > max) {
        close(fd);
        errno = EFBIG;
        return NULL;
    }
    size_t cap = (size_t)st.st_size + 1;
    char *data = malloc(cap);
    if (data == NULL) {
        close(fd);
        errno = ENOMEM;
        return NULL;
    }
    size_t got = 0;
    for (;;) {
        if (got + 1 >= cap) {
            /* full: one more byte tells end of file from a file that grew while we read */
            char probe;
            ssize_t n = read(fd, &probe, 1);
            if (n < 0 && errno == EINTR)
                continue;
            if (n == 0)
                break;
            if (n < 0 || got + 1 > max) {
                int saved = n < 0 ? errno : EFBIG;
                free(data);
                close(fd);
                errno = saved;
                return NULL;
            }
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *p = realloc(data, ncap);
            if (p == NULL) {
                free(data);
                close(fd);
                errno = ENOMEM;
                return NULL;
            }
            data = p;
            cap = ncap;
            data[got++] = probe;
            continue;
        }
        ssize_t n = read(fd, data + got, cap - 1 - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int saved = errno;
            free(data);
            close(fd);
            errno = saved;
            return NULL;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    data[got] = '\0';
    *len = got;
    return data;
}

int util_create_beside(const char *path, char *tmp, size_t n)
{
    int w = snprintf(tmp, n, "%s.tmp.XXXXXX", path);
    if (w < 0 || (size_t)w >= n) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = mkostemp(tmp, O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    /* mkostemp makes the file private; a report is read like any file of out/ */
    if (fchmod(fd, 0644) != 0) {
        int saved = errno;
        close(fd);
        unlink(tmp);
        errno = saved;
        return -1;
    }
    return fd;
}

int util_write_file_replace(const char *path, const void *data, size_t len, bool durable)
{
    char tmp[PATH_MAX];
    int fd = util_create_beside(path, tmp, sizeof tmp);
    if (fd < 0)
        return -1;
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        p += w;
        left -= (size_t)w;
    }
    if (durable && fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    return 0;
fail:;
    int saved = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    errno = saved;
    return -1;
}

int util_write_file_atomic(const char *path, const void *data, size_t len)
{
    return util_write_file_replace(path, data, len, true);
}

int util_sync_filesystem(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = syncfs(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int util_mkdirs(const char *path, bool private_dir)
{
    char tmp[PATH_MAX];
    if (util_strlcpy(tmp, path, sizeof tmp) != 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    mode_t mode = private_dir ? 0700 : 0755;
    for (char *p = tmp + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, mode) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, mode) != 0 && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(tmp, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int util_strlcpy(char *dst, const char *s, size_t n)
{
    if (n == 0)
        return -1;
    size_t len = strlen(s);
    if (len >= n) {
        memcpy(dst, s, n - 1);
        dst[n - 1] = '\0';
        return -1;
    }
    memcpy(dst, s, len + 1);
    return 0;
}

bool util_looks_gb18030(const char *data, size_t len)
{
    const unsigned char *u = (const unsigned char *)data;
    size_t i = 0;
    bool utf8 = true;
    while (i < len && utf8) {
        /* a submission is mostly ASCII: eight bytes at a time while no high bit is set */
        if (len - i >= 8) {
            uint64_t word;
            memcpy(&word, u + i, sizeof word);
            if ((word & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t step = buf_utf8_sequence(u + i, len - i);
        /* a sequence cut by the end of a window of a longer file is not a fault */
        if (step == 0 && len - i >= 4)
            utf8 = false;
        i += step > 0 ? step : len - i;
    }
    if (utf8)
        return false;
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return false;
    enum { SAMPLE = 64 * 1024 };
    size_t n = len < SAMPLE ? len : SAMPLE;
    char out[4 * 1024];
    char *in = (char *)(uintptr_t)data; /* iconv's signature; it does not write the input */
    size_t inleft = n;
    int chinese = 0;
    bool ok = true;
    while (inleft > 0 && ok) {
        char *o = out;
        size_t oleft = sizeof out;
        size_t rc = iconv(cd, &in, &inleft, &o, &oleft);
        if (rc == (size_t)-1 && errno == EINVAL && n < len)
            inleft = 0; /* a sequence cut by the end of the sample is not the file's fault */
        else if (rc == (size_t)-1 && errno != E2BIG)
            ok = false;
        /* U+4E00..U+9FFF is E4 B8 80 .. E9 BF BF in UTF-8 */
        for (const unsigned char *p = (const unsigned char *)out; p < (const unsigned char *)o; p++)
            if (*p >= 0xe4 && *p <= 0xe9)
                chinese++;
    }
    iconv_close(cd);
    /* a stray byte or two that happen to pair up is not a file in another encoding */
    return ok && chinese >= 4;
}

static bool rfc_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads exactly n decimal digits at s; false when any is missing. */
static bool rfc_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!rfc_is_digit(s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

int util_parse_rfc3339(const char *text, int64_t *epoch)
{
    if (text == NULL)
        return -1;
    const char *p = text;
    int year, month, day, hour, minute, second;
    if (!rfc_digits(p, 4, &year) || p[4] != '-' || !rfc_digits(p + 5, 2, &month) || p[7] != '-' ||
        !rfc_digits(p + 8, 2, &day))
        return -1;
    p += 10;
    if (*p != 'T' && *p != 't')
        return -1;
    p++;
    if (!rfc_digits(p, 2, &hour) || p[2] != ':' || !rfc_digits(p + 3, 2, &minute) || p[5] != ':' ||
        !rfc_digits(p + 6, 2, &second))
        return -1;
    p += 8;
    /* Leap seconds (":60") are refused: no school system emits them, and accepting one
     * without the leap-second table would invent an instant. */
    if (!util_valid_date(year, month, day) || hour > 23 || minute > 59 || second > 59)
        return -1;
    if (*p == '.') {
        p++;
        if (!rfc_is_digit(*p))
            return -1;
        while (rfc_is_digit(*p))
            p++;
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!rfc_digits(p + 1, 2, &oh) || p[3] != ':' || !rfc_digits(p + 4, 2, &om) || oh > 23 ||
            om > 59)
            return -1;
        offset = (oh * 60 + om) * 60;
        if (*p == '-')
            offset = -offset;
        p += 6;
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    int64_t days = util_days_from_civil(year, (unsigned)month, (unsigned)day);
    *epoch = days * 86400 + hour * 3600 + minute * 60 + second - offset;
    return 0;
}

void util_set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
