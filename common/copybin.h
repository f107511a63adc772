/* copybin.h - rows in PostgreSQL's binary COPY format: the server takes each value as it is,
 * with no text to scan, unescape and parse. A stream is the header, then the tuples (a field
 * count, then each field as its length and bytes, -1 for NULL), then the trailer. Numbers are
 * big-endian. Every writer appends to a buf and returns 0, or -1 when memory ran out. */
#ifndef XINYU_COPYBIN_H
#define XINYU_COPYBIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* The COPY statement's tail that asks for this format. */
#define COPYBIN_WITH " WITH (FORMAT binary)"

int copybin_header(buf *b);
int copybin_trailer(buf *b);
/* Starts a tuple of n fields. */
int copybin_tuple(buf *b, int n);
int copybin_null(buf *b);
int copybin_int8(buf *b, int64_t v);
int copybin_int4(buf *b, int32_t v);
int copybin_bool(buf *b, bool v);
int copybin_float8(buf *b, double v);
/* A text field: the bytes as they are (the server checks them against its encoding); NULL
 * s is a NULL field. */
int copybin_text(buf *b, const char *s, size_t len);
/* A text field from a C string, NULL for NULL. */
int copybin_str(buf *b, const char *s);
/* A bytea field; NULL data is a NULL field. */
int copybin_bytes(buf *b, const void *data, size_t len);
/* A field whose bytes are appended in place: copybin_open writes its length's room at
 * b->len (remember that offset), the caller appends the bytes, and copybin_close(b, at) fills
 * in the length (-1 when the field came out over 2 GiB). */
int copybin_open(buf *b);
int copybin_close(buf *b, size_t at);

#endif
