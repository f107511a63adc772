/* log.h - logging and two-level error reports for every Xinyu stage. */
#ifndef XINYU_LOG_H
#define XINYU_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };
enum log_format { LOG_FORMAT_TEXT = 0, LOG_FORMAT_JSON = 1 };

/* Sets the threshold and the line format; safe to call again. Never fails. */
void log_setup(enum log_level level, enum log_format format);
enum log_level log_get_level(void);

/* Each call writes one line to stderr, atomically with respect to other threads. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * An error in PostgreSQL's two-level style: a short factual message (lowercase,
 * no full stop), then an optional detail and hint as full sentences.
 * detail and hint may be NULL.
 */
void log_error_detail(const char *message, const char *detail, const char *hint);

#endif
