/* ingest_gzip.c - bounded gzip inflating of received submissions and compressing of raw bytes. */
#define ZLIB_CONST
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include <zlib.h>

#include "ingest/ingest.h"
#include "common/buf.h"

#define GZIP_CHUNK (64u * 1024)

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/*
 * Makes room in b for extra more bytes and the NUL, doubling like buf_reserve but never
 * allocating for more than limit content bytes: buf_reserve would round a submission of
 * exactly the cap up to twice the cap. Needs b->len + extra <= limit < SIZE_MAX.
 * Returns 0, or -1 when memory runs out (b is then unchanged).
 */
static bool gzip_magic_at(const unsigned char *in, size_t inlen, size_t pos)
{
    return inlen - pos >= 2 && in[pos] == 0x1f && in[pos + 1] == 0x8b;
}

int ingest_gzip_inflate(const unsigned char *in, size_t inlen, size_t cap, buf *out, char *err,
                        size_t errlen)
{
    if (inlen == 0 || !gzip_magic_at(in, inlen, 0)) {
        util_set_err(err, errlen, "not gzip data");
        return 1;
    }
    const size_t start = out->len;
    /* the output never holds more than cap bytes: one byte beyond it is the proof of excess */
    if (cap > SIZE_MAX - 2 - start)
        cap = SIZE_MAX - 2 - start;
    const size_t limit = start + cap;

    z_stream zs = {0};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return -1;
    zs.next_in = in;
    zs.avail_in = (uInt)min_size(inlen, UINT_MAX);
    size_t fed = zs.avail_in;

    int result = 0;
    for (;;) {
        if (zs.avail_in == 0 && fed < inlen) {
            zs.avail_in = (uInt)min_size(inlen - fed, UINT_MAX);
            fed += zs.avail_in;
        }
        unsigned char probe;
        bool probing = out->len == limit;
        if (probing) {
            zs.next_out = &probe;
            zs.avail_out = 1;
        } else {
            if (out->data == NULL || out->cap - out->len - 1 == 0) {
                if (buf_reserve_within(out, min_size(GZIP_CHUNK, limit - out->len), limit) != 0) {
                    result = -1;
                    break;
                }
            }
            size_t room = min_size(out->cap - out->len - 1, limit - out->len);
            zs.next_out = (unsigned char *)out->data + out->len;
            zs.avail_out = (uInt)min_size(room, UINT_MAX);
        }
        uInt before = zs.avail_out;
        int rc = inflate(&zs, Z_NO_FLUSH);
        size_t made = before - zs.avail_out;
        if (probing && made > 0) {
            util_set_err(err, errlen, "decompressed size exceeds the limit of %zu bytes", cap);
            result = 2;
            break;
        }
        if (!probing)
            out->len += made;

        if (rc == Z_STREAM_END) {
            size_t pos = (size_t)(zs.next_in - in);
            if (pos == inlen)
                break;
            if (!gzip_magic_at(in, inlen, pos)) {
                util_set_err(err, errlen, "trailing garbage after gzip data at byte %zu", pos);
                result = 1;
                break;
            }
            /* another member of a concatenated stream; inflateReset keeps next_in */
            if (inflateReset(&zs) != Z_OK) {
                result = -1;
                break;
            }
            continue;
        }
        if (rc == Z_OK)
            continue;
        if (rc == Z_MEM_ERROR) {
            result = -1;
            break;
        }
        if (rc == Z_BUF_ERROR && zs.avail_in == 0 && fed == inlen)
            util_set_err(err, errlen, "unexpected end of gzip data");
        else
            util_set_err(err, errlen, "%s", zs.msg != NULL ? zs.msg : "invalid gzip data");
        result = 1;
        break;
    }
    (void)inflateEnd(&zs);
    if (result != 0) {
        out->len = start;
        if (out->data != NULL)
            out->data[start] = '\0';
        return result;
    }
    if (out->data != NULL)
        out->data[out->len] = '\0';
    return 0;
}

int ingest_gzip_prefix(const unsigned char *in, size_t inlen, size_t want, buf *out, char *err,
                       size_t errlen)
{
    if (inlen == 0 || !gzip_magic_at(in, inlen, 0)) {
        util_set_err(err, errlen, "not gzip data");
        return 1;
    }
    if (want > UINT_MAX || inlen > UINT_MAX) {
        util_set_err(err, errlen, "more than 4 GiB");
        return 1;
    }
    if (buf_reserve(out, want) != 0)
        return -1;
    z_stream zs = {0};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return -1;
    zs.next_in = in;
    zs.avail_in = (uInt)inlen;
    zs.next_out = (unsigned char *)out->data + out->len;
    zs.avail_out = (uInt)want;
    int rc = Z_OK;
    /* each call makes progress or fails: the output's room is what it stops at */
    while (zs.avail_out > 0 && rc == Z_OK)
        rc = inflate(&zs, Z_NO_FLUSH);
    int result = 0;
    if (zs.avail_out > 0) {
        util_set_err(err, errlen, "%s",
                     rc == Z_STREAM_END || rc == Z_BUF_ERROR ? "the data ends early"
                     : zs.msg != NULL                        ? zs.msg
                                                             : "invalid gzip data");
        result = rc == Z_MEM_ERROR ? -1 : 1;
        out->data[out->len] = '\0'; /* what was inflated past the end is not kept */
    } else {
        out->len += want;
        out->data[out->len] = '\0';
    }
    (void)inflateEnd(&zs);
    return result;
}
