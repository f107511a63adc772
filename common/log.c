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

/* Appends s as a JSON string body (without quotes). */
static void json_escape(buf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)c);
        } else if (c < 0x20) {
            buf_printf(b, "\\u%04x", c);
        } else {
            buf_putc(b, (char)c);
        }
    }
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
        if (level != LOG_INFO)
            buf_printf(&line, "xinyu: %s: %s\n", level_names[level], message);
        else
            buf_printf(&line, "xinyu: %s\n", message);
        if (detail != NULL)
            buf_printf(&line, "DETAIL:  %s\n", detail);
        if (hint != NULL)
            buf_printf(&line, "HINT:  %s\n", hint);
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
