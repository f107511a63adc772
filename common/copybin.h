/* copybin.h - rows in PostgreSQL's binary COPY format: the server takes each value as it is,
 * with no text to scan, unescape and parse. A stream is the header, then the tuples (a field
 * count, then each field as its length and bytes, -1 for NULL), then the trailer. Numbers are
 * big-endian. Every writer appends to a buf and returns 0, or -1 when memory ran out. */
#ifndef XINYU_COPYBIN_H
#define XINYU_COPYBIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/buf.h"

/* The COPY statement's tail that asks for this format. */
#define COPYBIN_WITH " WITH (FORMAT binary)"

/* A timestamptz is sent as microseconds since 2000-01-01 UTC: that instant in Unix seconds. */
#define COPYBIN_PG_EPOCH_UNIX 946684800LL

/* Writers of one field straight into room the caller made (a row's many small fields, without
 * a check for room each): each writes at p and returns the end. At most COPYBIN_FIELD_MAX
 * bytes for a number, a bool or NULL. */
#define COPYBIN_FIELD_MAX 12

static inline unsigned char *copybin_put_be(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--) {
        p[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
    return p + bytes;
}

/* A field of a fixed-size value: its length, then its bytes big-endian. */
static inline unsigned char *copybin_put_fixed(unsigned char *p, uint64_t v, int bytes)
{
    return copybin_put_be(copybin_put_be(p, (uint64_t)bytes, 4), v, bytes);
}

static inline unsigned char *copybin_put_null(unsigned char *p)
{
    return copybin_put_be(p, 0xffffffffu, 4);
}

static inline unsigned char *copybin_put_int8(unsigned char *p, int64_t v)
{
    return copybin_put_fixed(p, (uint64_t)v, 8);
}

static inline unsigned char *copybin_put_int4(unsigned char *p, int32_t v)
{
    return copybin_put_fixed(p, (uint32_t)v, 4);
}

static inline unsigned char *copybin_put_bool(unsigned char *p, bool v)
{
    return copybin_put_fixed(p, v ? 1 : 0, 1);
}

/* A float8 is sent as the bits of the IEEE double. */
static inline unsigned char *copybin_put_float8(unsigned char *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return copybin_put_fixed(p, u, 8);
}

int copybin_header(buf *b);
int copybin_trailer(buf *b);
/* Starts a tuple of n fields. */
int copybin_tuple(buf *b, int n);
int copybin_null(buf *b);
int copybin_int8(buf *b, int64_t v);
int copybin_int4(buf *b, int32_t v);
int copybin_bool(buf *b, bool v);
/* A text field: the bytes as they are (the server checks them against its encoding); NULL
 * s is a NULL field. */
int copybin_text(buf *b, const char *s, size_t len);
/* A text field from a C string, NULL for NULL. */
int copybin_str(buf *b, const char *s);
/* A bytea field; NULL data is a NULL field. */
int copybin_bytes(buf *b, const void *data, size_t len);
/* The head of a one-dimensional array of n elements of type elem_oid (from index 1), in the
 * binary format of a parameter or a field's bytes; the n elements follow, each written as a
 * field (copybin_bytes, copybin_bool, copybin_str, copybin_null). has_nulls: some element is
 * NULL. */
#define COPYBIN_BOOL_OID 16
#define COPYBIN_BYTEA_OID 17
#define COPYBIN_TEXT_OID 25
int copybin_array(buf *b, uint32_t elem_oid, int n, bool has_nulls);

/* A field whose bytes are appended in place: copybin_open writes its length's room at
 * b->len (remember that offset), the caller appends the bytes, and copybin_close(b, at) fills
 * in the length (-1 when the field came out over 2 GiB). */
int copybin_open(buf *b);
int copybin_close(buf *b, size_t at);

#endif
