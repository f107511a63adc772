/* log.c - one line per message on stderr, as text or JSON, thread-safe. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/log.h"

static enum log_level threshold = LOG_INFO;
static enum log_format line_format = LOG_FORMAT_TEXT;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void log_setup(enum log_level level, enum log_format format)
{
    threshold = level;
    line_format = format;
}

enum log_level log_get_level(void)
{
    return threshold;
}

/* Appends s as a JSON string body (without quotes): valid JSON whatever the bytes, with
 * DEL and the C1 controls escaped too, and a byte that is not UTF-8 as the text \xNN. */
static void json_escape(buf *b, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        unsigned char c = u[i];
        size_t step = buf_utf8_sequence(u + i, len - i);
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
        } else if (step == 1 && (c < 0x20 || c == 0x7f)) {
            buf_printf(b, "\\u%04x", c);
        } else if (step == 2 && c == 0xc2 && u[i + 1] < 0xa0) {
            buf_printf(b, "\\u%04x", u[i + 1]);
        } else if (step == 0) {
            buf_printf(b, "\\\\x%02x", c);
            step = 1;
        } else {
            buf_append(b, s + i, step);
        }
        i += step;
    }
}

/* Appends s for a terminal: a file name or a school's text that holds an escape sequence
 * or a line break must neither act on the operator's screen nor forge a line. */
static void text_line(buf *b, const char *prefix, const char *s)
{
    buf_puts(b, prefix);
    buf_printable(b, s, strlen(s));
    buf_putc(b, '\n');
}

static void emit(enum log_level level, const char *message, const char *detail, const char *hint)
{
    buf line = BUF_INIT;
    if (line_format == LOG_FORMAT_JSON) {
        char stamp[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
        buf_printf(&line, "{\"time\":\"%s\",\"level\":\"%s\",\"message\":\"", stamp,
                   level_names[level]);
        json_escape(&line, message);
        buf_puts(&line, "\"");
        if (detail != NULL) {
            buf_puts(&line, ",\"detail\":\"");
            json_escape(&line, detail);
            buf_puts(&line, "\"");
        }
        if (hint != NULL) {
            buf_puts(&line, ",\"hint\":\"");
            json_escape(&line, hint);
            buf_puts(&line, "\"");
        }
        buf_puts(&line, "}\n");
    } else {
        char prefix[32];
        if (level != LOG_INFO)
            snprintf(prefix, sizeof prefix, "xinyu: %s: ", level_names[level]);
        else
            snprintf(prefix, sizeof prefix, "xinyu: ");
        text_line(&line, prefix, message);
        if (detail != NULL)
            text_line(&line, "DETAIL:  ", detail);
        if (hint != NULL)
            text_line(&line, "HINT:  ", hint);
    }
    if (line.data != NULL) {
        pthread_mutex_lock(&log_lock);
        fwrite(line.data, 1, line.len, stderr);
        fflush(stderr);
        pthread_mutex_unlock(&log_lock);
    }
    buf_free(&line);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (level > threshold)
        return;
    char message[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    /* a trailing newline from libpq's messages would end the line early */
    size_t n = strlen(message);
    while (n > 0 && message[n - 1] == '\n')
        message[--n] = '\0';
    emit(level, message, NULL, NULL);
}

void log_error_detail(const char *message, const char *detail, const char *hint)
{
    emit(LOG_ERROR, message, detail, hint);
}
