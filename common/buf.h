/* buf.h - a growable byte buffer, always NUL-terminated after its contents. */
#ifndef XINYU_BUF_H
#define XINYU_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct buf {
    char *data; /* NULL until the first append; owned by the buffer */
    size_t len;
    size_t cap;
} buf;

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Each returns 0, or -1 when memory runs out (the buffer is then unchanged). */
int buf_reserve(buf *b, size_t extra);
int buf_append(buf *b, const void *data, size_t len);
/* Like buf_reserve, but never lets the allocation grow past limit + 1 bytes (doubling is
 * clamped), so a capped reader never holds more than its cap. Returns 0 or -1. */
int buf_reserve_within(buf *b, size_t extra, size_t limit);
/* Length of the valid UTF-8 sequence at s (n > 0 bytes available), or 0 when invalid
 * (overlong forms, surrogates and code points above U+10FFFF are invalid). */
size_t buf_utf8_sequence(const unsigned char *s, size_t n);
int buf_putc(buf *b, char c);
int buf_puts(buf *b, const char *s);
/* v in decimal, as printf's PRId64 writes it but without printf: the COPY rows of a load hold
 * about a hundred integers per submission. buf_format_int64 writes at most BUF_INT64_MAX
 * bytes at p (no NUL) and returns the end; buf_put_int64 appends them (0, or -1: memory). */
#define BUF_INT64_MAX 20
char *buf_format_int64(char *p, int64_t v);
int buf_put_int64(buf *b, int64_t v);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Appends s escaped for PostgreSQL's COPY text format (no delimiter added). Bytes that
 * are not valid UTF-8, and NUL, are written as the visible text \xNN instead. */
int buf_copy_text(buf *b, const char *s, size_t len);
/* Appends s as PostgreSQL text holds it: bytes that are not valid UTF-8, and NUL, as the visible
 * text \xNN, the value buf_copy_text's escapes give once read back. */
int buf_visible_utf8(buf *b, const char *s, size_t len);
/* True when s holds only valid UTF-8 and no NUL. */
bool buf_valid_utf8(const char *s, size_t len);

/*
 * Appends s with everything a terminal or a spreadsheet could act on written as visible
 * text, the escapes of the validator's quoted texts: \n, \r and \t, \xNN for the other C0
 * controls, DEL and every byte that is not UTF-8, \u00NN for the C1 controls (U+0080..U+009F).
 * Everything else, Chinese included, is copied as it is. A backslash is not escaped: the text
 * is for reading, not for parsing back. Returns 0, or -1 out of memory (b then unchanged).
 */
int buf_printable(buf *b, const char *s, size_t len);
/* True when buf_printable would copy s unchanged. */
bool buf_is_printable(const char *s, size_t len);
/* The same, keeping tab, LF and CR as they are: for a cell of a file, where a line break is
 * text (a CSV cell quoted, an XLSX cell), not for a terminal. */
int buf_printable_lines(buf *b, const char *s, size_t len);
bool buf_is_printable_lines(const char *s, size_t len);
/* The text of s made printable in scratch (reset first): for printf. "" when out of memory. */
const char *buf_printable_str(buf *scratch, const char *s);

/* Appends s HTML-escaped (& < > " '), tab and line breaks as spaces, the other control
 * characters and bytes that are not UTF-8 made visible as buf_printable does, so broken
 * input never breaks the page. 0 or -1. */
int buf_html_escape(buf *b, const char *s, size_t len);

/* Forgets the contents but keeps the memory. */
void buf_reset(buf *b);
/* Frees the memory; accepts a zeroed buffer. */
void buf_free(buf *b);
/* Hands the memory to the caller (who frees it) and leaves b empty; NULL if empty. */
char *buf_steal(buf *b);

#endif
