/* buf.c - a growable byte buffer. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

int buf_reserve(buf *b, size_t extra)
{
    if (extra > ((size_t)-1) / 2 - b->len)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (p == NULL)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int buf_reserve_within(buf *b, size_t extra, size_t limit)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap <= SIZE_MAX / 2 ? b->cap * 2 : SIZE_MAX;
    if (cap < 256)
        cap = 256;
    if (cap < need)
        cap = need;
    if (cap > limit + 1)
        cap = limit + 1;
    char *p = realloc(b->data, cap);
    if (p == NULL)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

size_t buf_utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    }
    /* overlong forms, UTF-16 surrogates and code points above U+10FFFF */
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
        (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return len;
}

int buf_append(buf *b, const void *data, size_t len)
{
    if (buf_reserve(b, len) != 0)
        return -1;
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int buf_putc(buf *b, char c)
{
    return buf_append(b, &c, 1);
}

int buf_puts(buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

char *buf_format_int64(char *p, int64_t v)
{
    char digits[BUF_INT64_MAX];
    size_t n = sizeof digits;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        digits[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        digits[--n] = '-';
    memcpy(p, digits + n, sizeof digits - n);
    return p + (sizeof digits - n);
}

int buf_put_int64(buf *b, int64_t v)
{
    char digits[BUF_INT64_MAX];
    char *end = buf_format_int64(digits, v);
    return buf_append(b, digits, (size_t)(end - digits));
}

int buf_vprintf(buf *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    int rc = -1;
    if (n >= 0 && (size_t)n < sizeof small) {
        rc = buf_append(b, small, (size_t)n);
    } else if (n >= 0 && buf_reserve(b, (size_t)n) == 0) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
        rc = 0;
    }
    va_end(again);
    return rc;
}

int buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int buf_copy_text(buf *b, const char *s, size_t len)
{
    /* worst case every byte becomes the five characters of an escaped "\xNN" */
    if (buf_reserve(b, 5 * len) != 0)
        return -1;
    char *out = b->data + b->len;
    const unsigned char *in = (const unsigned char *)s;
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len;) {
        unsigned char c = in[i];
        size_t seq = buf_utf8_sequence(in + i, len - i);
        if (seq == 0 || c == 0) {
            /* PostgreSQL text holds neither NUL nor invalid UTF-8: keep the byte visible */
            *out++ = '\\';
            *out++ = '\\';
            *out++ = 'x';
            *out++ = hex[c >> 4];
            *out++ = hex[c & 15];
            i++;
            continue;
        }
        if (seq > 1) {
            memcpy(out, in + i, seq);
            out += seq;
            i += seq;
            continue;
        }
        switch (c) {
        case '\\':
            *out++ = '\\';
            *out++ = '\\';
            break;
        case '\t':
            *out++ = '\\';
            *out++ = 't';
            break;
        case '\n':
            *out++ = '\\';
            *out++ = 'n';
            break;
        case '\r':
            *out++ = '\\';
            *out++ = 'r';
            break;
        default:
            *out++ = (char)c;
        }
        i++;
    }
    b->len = (size_t)(out - b->data);
    b->data[b->len] = '\0';
    return 0;
}

int buf_visible_utf8(buf *b, const char *s, size_t len)
{
    /* worst case every byte becomes the four characters "\xNN" */
    if (buf_reserve(b, 4 * len) != 0)
        return -1;
    char *out = b->data + b->len;
    const unsigned char *in = (const unsigned char *)s;
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len;) {
        size_t seq = in[i] != 0 ? buf_utf8_sequence(in + i, len - i) : 0;
        if (seq == 0) {
            *out++ = '\\';
            *out++ = 'x';
            *out++ = hex[in[i] >> 4];
            *out++ = hex[in[i] & 15];
            i++;
        } else {
            memcpy(out, in + i, seq);
            out += seq;
            i += seq;
        }
    }
    b->len = (size_t)(out - b->data);
    b->data[b->len] = '\0';
    return 0;
}

bool buf_valid_utf8(const char *s, size_t len)
{
    const unsigned char *in = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t seq = buf_utf8_sequence(in + i, len - i);
        if (seq == 0 || in[i] == 0)
            return false;
        i += seq;
    }
    return true;
}

void buf_reset(buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

void buf_free(buf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

char *buf_steal(buf *b)
{
    char *p = b->data;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

/* The length of the piece of s at i that buf_printable copies as it is (0: escape one
 * byte, or a C1 control's two); lines true keeps tab, LF and CR. */
static size_t printable_step(const unsigned char *u, size_t i, size_t len, bool lines)
{
    size_t step = buf_utf8_sequence(u + i, len - i);
    if (step == 1 && lines && (u[i] == '\t' || u[i] == '\n' || u[i] == '\r'))
        return 1;
    if (step == 1 && (u[i] < 0x20 || u[i] == 0x7f))
        return 0;
    if (step == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)
        return 0; /* C1 controls: 0x9b alone is CSI on some terminals */
    return step;
}

static bool is_printable(const char *s, size_t len, bool lines)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t step = printable_step(u, i, len, lines);
        if (step == 0)
            return false;
        i += step;
    }
    return true;
}

static int printable(buf *b, const char *s, size_t len, bool lines)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t start = b->len;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < len;) {
        size_t from = i, step;
        while (i < len && (step = printable_step(u, i, len, lines)) > 0)
            i += step;
        if (i > from) {
            rc = buf_append(b, s + from, i - from);
            continue;
        }
        if (u[i] == '\n')
            rc = buf_puts(b, "\\n");
        else if (u[i] == '\r')
            rc = buf_puts(b, "\\r");
        else if (u[i] == '\t')
            rc = buf_puts(b, "\\t");
        else if (u[i] == 0xc2 && buf_utf8_sequence(u + i, len - i) == 2) {
            rc = buf_printf(b, "\\u%04x", u[i + 1]);
            i++;
        } else
            rc = buf_printf(b, "\\x%02x", u[i]);
        i++;
    }
    if (rc != 0 && b->data != NULL) {
        b->len = start;
        b->data[start] = '\0';
    }
    return rc;
}

bool buf_is_printable(const char *s, size_t len)
{
    return is_printable(s, len, false);
}

int buf_printable(buf *b, const char *s, size_t len)
{
    return printable(b, s, len, false);
}

bool buf_is_printable_lines(const char *s, size_t len)
{
    return is_printable(s, len, true);
}

int buf_printable_lines(buf *b, const char *s, size_t len)
{
    return printable(b, s, len, true);
}

const char *buf_printable_str(buf *scratch, const char *s)
{
    buf_reset(scratch);
    if (s == NULL || buf_printable(scratch, s, strlen(s)) != 0 || scratch->data == NULL)
        return "";
    return scratch->data;
}

int buf_html_escape(buf *b, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < len;) {
        size_t step = printable_step(u, i, len, true);
        if (step == 0) {
            /* one byte, or a C1 control's two, as visible text (never markup) */
            step = u[i] == 0xc2 && buf_utf8_sequence(u + i, len - i) == 2 ? 2 : 1;
            rc = buf_printable(b, s + i, step);
            i += step;
            continue;
        }
        switch (u[i]) {
        case '&':
            rc = buf_puts(b, "&amp;");
            break;
        case '<':
            rc = buf_puts(b, "&lt;");
            break;
        case '>':
            rc = buf_puts(b, "&gt;");
            break;
        case '"':
            rc = buf_puts(b, "&quot;");
            break;
        case '\'':
            rc = buf_puts(b, "&#39;");
            break;
        case '\t':
        case '\n':
        case '\r':
            rc = buf_putc(b, ' '); /* as the page would show them anyway */
            break;
        default:
            rc = buf_append(b, s + i, step);
        }
        i += step;
    }
    return rc;
}
