/* copybin.c - rows in PostgreSQL's binary COPY format (see copybin.h). */
#include "common/copybin.h"

#include <string.h>

/* Appends the field a writer of copybin.h made in f, up to end. */
static int append(buf *b, const unsigned char *f, const unsigned char *end)
{
    return buf_append(b, f, (size_t)(end - f));
}

int copybin_header(buf *b)
{
    /* the signature, then no flags and no header extension */
    static const unsigned char head[19] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n',
                                           0,   0,   0,   0,   0,   0,   0,    0,    0};
    return buf_append(b, head, sizeof head);
}

int copybin_trailer(buf *b)
{
    unsigned char f[COPYBIN_FIELD_MAX];
    return append(b, f, copybin_put_be(f, 0xffff, 2));
}

int copybin_tuple(buf *b, int n)
{
    unsigned char f[COPYBIN_FIELD_MAX];
    return append(b, f, copybin_put_be(f, (uint64_t)n, 2));
}

int copybin_null(buf *b)
{
    unsigned char f[COPYBIN_FIELD_MAX];
    return append(b, f, copybin_put_null(f));
}

int copybin_int8(buf *b, int64_t v)
{
    unsigned char f[COPYBIN_FIELD_MAX];
    return append(b, f, copybin_put_int8(f, v));
}

int copybin_int4(buf *b, int32_t v)
{
    unsigned char f[COPYBIN_FIELD_MAX];
    return append(b, f, copybin_put_int4(f, v));
}

int copybin_bool(buf *b, bool v)
{
    unsigned char f[COPYBIN_FIELD_MAX];
    return append(b, f, copybin_put_bool(f, v));
}

int copybin_text(buf *b, const char *s, size_t len)
{
    if (s == NULL || buf_valid_utf8(s, len))
        return copybin_bytes(b, s, len);
    size_t at = b->len;
    if (len > INT32_MAX / 4 || copybin_open(b) != 0 || buf_visible_utf8(b, s, len) != 0)
        return -1;
    return copybin_close(b, at);
}

int copybin_array(buf *b, uint32_t elem_oid, int n, bool has_nulls)
{
    unsigned char head[20];
    unsigned char *p = copybin_put_be(head, 1, 4); /* one dimension */
    p = copybin_put_be(p, has_nulls ? 1 : 0, 4);
    p = copybin_put_be(p, elem_oid, 4);
    p = copybin_put_be(p, (uint64_t)n, 4);
    p = copybin_put_be(p, 1, 4); /* its first index */
    return append(b, head, p);
}

int copybin_open(buf *b)
{
    unsigned char f[COPYBIN_FIELD_MAX];
    return append(b, f, copybin_put_be(f, 0, 4));
}

int copybin_close(buf *b, size_t at)
{
    uint64_t n = b->len - at - 4;
    if (n > INT32_MAX)
        return -1;
    copybin_put_be((unsigned char *)b->data + at, n, 4);
    return 0;
}

int copybin_str(buf *b, const char *s)
{
    return copybin_text(b, s, s != NULL ? strlen(s) : 0);
}

int copybin_bytes(buf *b, const void *data, size_t len)
{
    if (data == NULL)
        return copybin_null(b);
    if (len > INT32_MAX)
        return -1;
    if (buf_reserve(b, 4 + len) != 0)
        return -1;
    unsigned char head[4];
    copybin_put_be(head, len, 4);
    buf_append(b, head, sizeof head);
    return buf_append(b, data, len);
}
