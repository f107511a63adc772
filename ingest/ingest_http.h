/* ingest_http.h - fetching pages of submissions from the education platform over HTTP(S). */
#ifndef XINYU_INGEST_HTTP_H
#define XINYU_INGEST_HTTP_H

#include <signal.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/conf.h"

#define INGEST_HTTP_MAX_TOKEN 4096  /* bytes of a token file */
#define INGEST_HTTP_MAX_CURSOR 4096 /* bytes of a cursor the platform may hand out */
#define INGEST_HTTP_MAX_DEPTH 2048  /* nesting the item scanner follows (jansson's own limit) */

/* Results of ingest_http_fetch. */
enum {
    INGEST_HTTP_OK = 0,
    INGEST_HTTP_FAILED = -1, /* the page could not be had; err says why */
    INGEST_HTTP_STOPPED = -2 /* the stop flag was raised; nothing was fetched */
};

/* Where one element of "items" lies in the page body. */
struct ingest_http_span {
    size_t offset;
    size_t len;
};

/*
 * One fetched page. Zero it (or use INGEST_HTTP_PAGE_INIT) before the first fetch;
 * ingest_http_fetch clears what a previous fetch left, ingest_http_page_clear frees it.
 */
struct ingest_http_page {
    buf body;                       /* the response body as the platform sent it (decoded
                                     * from gzip), NUL-terminated */
    struct ingest_http_span *items; /* the raw bytes of items[i] are body.data + offset */
    size_t nitems;
    size_t items_cap;
    char *next_cursor; /* NULL when the platform said null */
    char *url;         /* the URL requested, for refs and messages; never holds the token */
    int attempts;      /* requests made for this page, retries included */
    long http_status;  /* of the last response, 0 when none arrived */
};

#define INGEST_HTTP_PAGE_INIT                                                                      \
    {                                                                                              \
        BUF_INIT, NULL, 0, 0, NULL, NULL, 0, 0                                                     \
    }

struct ingest_http_client;

/*
 * Prepares a client for an http source: checks the URL (http or https, no user name or
 * password in it) and loads the bearer token from token_file (at most 4 KiB, trailing
 * newline stripped) or else from the environment variable named by token_env. Returns
 * the client, which the caller frees with ingest_http_close; or NULL with err set (err
 * never holds the token). The source must outlive the client.
 */
struct ingest_http_client *ingest_http_open(const struct conf_source *s, char *err, size_t errlen);

/* Frees the client and wipes the token from memory; accepts NULL. */
void ingest_http_close(struct ingest_http_client *client);

/*
 * Fetches GET {base}/submissions?since={cursor}&limit={page_size} (no since when cursor
 * is NULL) into page and splits it into items. Timeouts, connection failures, truncated
 * bodies, 429 and 5xx are retried up to max_retries times with exponential backoff and
 * full jitter (or as long as a Retry-After of theirs says, at most 60 s); any other 4xx, a body
 * over max_page_bytes, a failed certificate check and a malformed page fail at once.
 * Waiting and transferring end early when *stop becomes non-zero (stop may be NULL).
 * Returns INGEST_HTTP_OK, INGEST_HTTP_FAILED with err set, or INGEST_HTTP_STOPPED; page
 * then holds what is known (url, attempts). err never holds the token.
 */
int ingest_http_fetch(struct ingest_http_client *client, const char *cursor,
                      struct ingest_http_page *page, volatile sig_atomic_t *stop, char *err,
                      size_t errlen);

/*
 * Checks that body is a page of the contract - an object with "items" (an array) and
 * "next_cursor" (a non-empty string of at most INGEST_HTTP_MAX_CURSOR bytes, or null) -
 * and records the byte span of every element of items in page (body itself is not
 * copied; spans refer to it). The items are told apart by ingest_http_split_items and
 * not parsed here: an element that is not an object, or not valid JSON (a lone surrogate
 * escape, a byte that is not UTF-8), is kept for the validator to reject alone. The rest
 * of the page is parsed in full. Members other than these two are ignored. Returns 0, or
 * -1 with err set when the page is malformed or memory ran out (page's items then empty).
 */
int ingest_http_parse_page(const char *body, size_t len, struct ingest_http_page *page, char *err,
                           size_t errlen);

/*
 * The scanner under ingest_http_parse_page: finds the byte span of every element of the
 * top-level member "items" of the JSON object in json[0..len), string-, escape- and
 * nesting-aware, at most INGEST_HTTP_MAX_DEPTH deep. It checks structure only (not
 * numbers, literals, escapes, control characters or UTF-8 in strings), which is why the
 * page around the items is parsed in full afterwards and each item by the validator.
 * Spans are appended to page->items. Returns 0, or -1 with err set when the text is not
 * such an object, "items" is missing, not an array or given twice, or memory ran out.
 */
int ingest_http_split_items(const char *json, size_t len, struct ingest_http_page *page, char *err,
                            size_t errlen);

/* Frees what page holds and zeroes it; accepts a zeroed page. */
void ingest_http_page_clear(struct ingest_http_page *page);

/*
 * The cursors one run of a source has asked with, so that a platform whose cursors go
 * round (A, B, C, B, ...) is noticed however long the round. Only a SHA-256 of each
 * cursor is kept: at most 132 bytes a cursor, whatever its length. Zero it (or use
 * INGEST_HTTP_CURSORS_INIT) before the first add; ingest_http_cursors_clear frees it.
 */
struct ingest_http_cursors {
    struct ingest_http_cursor_slot *slots; /* open addressing, at most half full */
    size_t cap;                            /* 0 or a power of two */
    size_t count;
};

#define INGEST_HTTP_CURSORS_INIT                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/*
 * Remembers cursor. Returns 1 when it was new, 0 when it had been added before, -1 when
 * memory ran out or it could not be hashed (the set is then unchanged).
 */
int ingest_http_cursors_add(struct ingest_http_cursors *set, const char *cursor);

/* Frees what set holds and zeroes it; accepts a zeroed set. */
void ingest_http_cursors_clear(struct ingest_http_cursors *set);

#endif
