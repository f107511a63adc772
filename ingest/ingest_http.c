/* ingest_http.c - the libcurl client that fetches pages of submissions from the platform. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "common/log.h"
#include "common/util.h"
#include "ingest/ingest_http.h"

#define BACKOFF_BASE_S 0.5
#define BACKOFF_CAP_S 30.0
#define RETRY_AFTER_CAP_S 60
#define MAX_REDIRECTS 3L

struct ingest_http_client {
    const struct conf_source *source;
    CURL *curl;
    struct curl_slist *headers; /* holds the Authorization header: wiped before it is freed */
    char *base;                 /* the url without trailing slashes */
    uint64_t rng;               /* jitter of the backoff */
    char curl_error[CURL_ERROR_SIZE];
};

/* What one transfer writes into and why it may have stopped. */
struct transfer {
    CURL *curl;
    buf *body;
    size_t cap;
    size_t received; /* bytes of the latest response's body, kept or not */
    bool too_large;
    bool out_of_memory;
    long long content_length; /* of the latest response, -1 when not announced */
    volatile sig_atomic_t *stop;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

/* curl_global_init is not safe to race with other threads: done once, before any handle. */
static void curl_init_once(void)
{
    curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void wipe(void *p, size_t n)
{
    if (p != NULL)
        explicit_bzero(p, n);
}

/* ---- the token ---------------------------------------------------------------------- */

/* A header value must not break the request: visible ASCII only (RFC 6750 b64token and more). */
static bool token_acceptable(const char *t, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c < 0x21 || c > 0x7e)
            return false;
    }
    return true;
}

/*
 * Reads the token the source names into a malloc'ed string (caller wipes and frees), or
 * sets *token to NULL when the source has none. Returns 0, or -1 with err set.
 */
static int load_token(const struct conf_source *s, char **token, char *err, size_t errlen)
{
    *token = NULL;
    if (s->token_file != NULL) {
        size_t len = 0;
        char *data = util_read_file(s->token_file, INGEST_HTTP_MAX_TOKEN, &len);
        if (data == NULL) {
            if (errno == EFBIG)
                util_set_err(err, errlen, "the token file %s is larger than %d bytes",
                             s->token_file, INGEST_HTTP_MAX_TOKEN);
            else
                util_set_err(err, errlen, "cannot read the token file %s: %s", s->token_file,
                             strerror(errno));
            return -1;
        }
        while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
            data[--len] = '\0';
        if (!token_acceptable(data, len)) {
            util_set_err(err, errlen,
                         len == 0 ? "the token file %s is empty"
                                  : "the token file %s holds characters other than visible ASCII",
                         s->token_file);
            wipe(data, len);
            free(data);
            return -1;
        }
        *token = data;
        return 0;
    }
    if (s->token_env != NULL) {
        const char *value = getenv(s->token_env);
        if (value == NULL || value[0] == '\0') {
            util_set_err(err, errlen,
                         "the environment variable %s that should hold the token is %s",
                         s->token_env, value == NULL ? "not set" : "empty");
            return -1;
        }
        size_t len = strlen(value);
        if (len > INGEST_HTTP_MAX_TOKEN || !token_acceptable(value, len)) {
            util_set_err(
                err, errlen,
                "the token in the environment variable %s is longer than %d bytes or holds "
                "characters other than visible ASCII",
                s->token_env, INGEST_HTTP_MAX_TOKEN);
            return -1;
        }
        *token = strdup(value);
        if (*token == NULL) {
            util_set_err(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* Appends "Authorization: Bearer TOKEN" to the list; the temporary copy is wiped. */
static int add_auth_header(struct curl_slist **headers, const char *token)
{
    static const char prefix[] = "Authorization: Bearer ";
    size_t n = sizeof prefix + strlen(token);
    char *line = malloc(n);
    if (line == NULL)
        return -1;
    int written = snprintf(line, n, "%s%s", prefix, token);
    struct curl_slist *next = NULL;
    if (written >= 0 && (size_t)written < n)
        next = curl_slist_append(*headers, line);
    wipe(line, n);
    free(line);
    if (next == NULL)
        return -1;
    *headers = next;
    return 0;
}

/* ---- the client --------------------------------------------------------------------- */

/* Only http(s), and no credentials or query in the base URL: those belong elsewhere. */
static int check_url(const char *url, bool *plain_http, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    if (u == NULL) {
        util_set_err(err, errlen, "out of memory");
        return -1;
    }
    int rc = -1;
    char *scheme = NULL, *part = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
        util_set_err(err, errlen, "the url \"%s\" is not a valid URL", url);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        util_set_err(err, errlen, "the url must start with https:// or http://");
        goto out;
    }
    *plain_http = strcmp(scheme, "http") == 0;
    if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK) {
        /* the url is not echoed: it holds a credential */
        util_set_err(err, errlen,
                     "the url holds a user name or password; name a token_file or "
                     "token_env instead");
        goto out;
    }
    if (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK) {
        util_set_err(err, errlen, "the url \"%s\" must be the platform's base URL, without ? or #",
                     url);
        goto out;
    }
    rc = 0;
out:
    curl_free(scheme);
    curl_free(part);
    curl_url_cleanup(u);
    return rc;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct transfer *t = userdata;
    size_t n = size * nmemb; /* size is always 1 */
    if (n > t->cap - t->received) {
        t->too_large = true;
        return 0; /* CURLE_WRITE_ERROR: the rest is never read */
    }
    t->received += n;
    long status = 0;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299)
        return n; /* an error page is counted against the cap, never kept or shown */
    if (buf_append(t->body, data, n) != 0) {
        t->out_of_memory = true;
        return 0;
    }
    return n;
}

/* Remembers the announced size so that a refused page can be reported with it. */
static size_t on_header(char *line, size_t size, size_t nitems, void *userdata)
{
    struct transfer *t = userdata;
    size_t n = size * nitems;
    static const char name[] = "content-length:";
    size_t name_len = sizeof name - 1;
    if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        /* a new response (after a redirect or a 100 Continue) */
        t->content_length = -1;
        t->received = 0;
        return n;
    }
    if (n <= name_len || strncasecmp(line, name, name_len) != 0)
        return n;
    long long value = 0;
    size_t i = name_len;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;
    size_t digits = 0;
    for (; i < n && line[i] >= '0' && line[i] <= '9' && digits < 18; i++, digits++)
        value = value * 10 + (line[i] - '0');
    if (digits > 0)
        t->content_length = value;
    return n;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    struct transfer *t = userdata;
    return t->stop != NULL && *t->stop ? 1 : 0;
}

static uint64_t seed(const void *salt)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40) ^
           (uint64_t)(uintptr_t)salt;
}

struct ingest_http_client *ingest_http_open(const struct conf_source *s, char *err, size_t errlen)
{
    bool plain_http = false;
    if (s->url == NULL) {
        util_set_err(err, errlen, "the source has no url");
        return NULL;
    }
    if (check_url(s->url, &plain_http, err, errlen) != 0)
        return NULL;
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_result != CURLE_OK) {
        util_set_err(err, errlen, "cannot initialize libcurl: %s",
                     curl_easy_strerror(curl_init_result));
        return NULL;
    }
    struct ingest_http_client *client = calloc(1, sizeof *client);
    if (client == NULL) {
        util_set_err(err, errlen, "out of memory");
        return NULL;
    }
    client->source = s;
    client->rng = seed(client);
    char *token = NULL;
    if (load_token(s, &token, err, errlen) != 0)
        goto fail;
    if (token != NULL && plain_http)
        log_warn("%s: the token is sent over plain http; use an https url", s->name);
    size_t base_len = strlen(s->url);
    while (base_len > 0 && s->url[base_len - 1] == '/')
        base_len--;
    client->base = strndup(s->url, base_len);
    client->curl = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Accept: application/json");
    if (h != NULL)
        client->headers = h;
    if (client->base == NULL || client->curl == NULL || h == NULL ||
        (token != NULL && add_auth_header(&client->headers, token) != 0)) {
        util_set_err(err, errlen, "out of memory");
        goto fail;
    }
    if (token != NULL) {
        wipe(token, strlen(token));
        free(token);
        token = NULL;
    }

    CURL *c = client->curl;
    CURLcode rc = CURLE_OK;
    /* TLS verification is libcurl's default; it is set anyway so no other default can win */
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (rc == CURLE_OK && s->ca_file != NULL)
        rc = curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_MAXREDIRS, MAX_REDIRECTS);
    if (rc == CURLE_OK) /* a redirect to another host, port or scheme drops the token */
        rc = curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, s->connect_timeout);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_TIMEOUT, s->timeout);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* signals belong to the run driver */
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_USERAGENT, "xinyu/1");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_HTTPHEADER, client->headers);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max_page_bytes);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, client->curl_error);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    if (rc != CURLE_OK) {
        util_set_err(err, errlen, "cannot set up libcurl: %s", curl_easy_strerror(rc));
        goto fail;
    }
    return client;
fail:
    if (token != NULL) {
        wipe(token, strlen(token));
        free(token);
    }
    ingest_http_close(client);
    return NULL;
}

void ingest_http_close(struct ingest_http_client *client)
{
    if (client == NULL)
        return;
    if (client->curl != NULL)
        curl_easy_cleanup(client->curl);
    for (struct curl_slist *h = client->headers; h != NULL; h = h->next)
        wipe(h->data, strlen(h->data));
    curl_slist_free_all(client->headers);
    free(client->base);
    free(client);
}

/* ---- pages -------------------------------------------------------------------------- */

void ingest_http_page_clear(struct ingest_http_page *page)
{
    if (page == NULL)
        return;
    buf_free(&page->body);
    free(page->items);
    free(page->next_cursor);
    free(page->url);
    memset(page, 0, sizeof *page);
}

/* Forgets the previous page but keeps the body's and the spans' memory. */
static void page_reset(struct ingest_http_page *page)
{
    buf_reset(&page->body);
    page->nitems = 0;
    free(page->next_cursor);
    page->next_cursor = NULL;
    free(page->url);
    page->url = NULL;
    page->attempts = 0;
    page->http_status = 0;
}

static int add_span(struct ingest_http_page *page, size_t offset, size_t len)
{
    if (page->nitems == page->items_cap) {
        size_t cap = page->items_cap ? page->items_cap * 2 : 64;
        if (cap > SIZE_MAX / sizeof *page->items)
            return -1;
        struct ingest_http_span *grown = realloc(page->items, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        page->items = grown;
        page->items_cap = cap;
    }
    page->items[page->nitems].offset = offset;
    page->items[page->nitems].len = len;
    page->nitems++;
    return 0;
}

/* ---- the item scanner --------------------------------------------------------------- */

struct scan {
    const char *s;
    size_t len;
    size_t pos;
    char *err;
    size_t errlen;
};

static int scan_fail(struct scan *sc, const char *what)
{
    util_set_err(sc->err, sc->errlen, "the page is not valid JSON: %s at byte %zu", what, sc->pos);
    return -1;
}

static void skip_ws(struct scan *sc)
{
    while (sc->pos < sc->len) {
        char c = sc->s[sc->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        sc->pos++;
    }
}

/*
 * At an opening quote: moves past the closing one. An escape hides exactly one character.
 * Control characters and bytes that are not UTF-8 do not blur where a string ends, so they
 * are passed over: in an item they are the validator's to reject, elsewhere the parse of
 * the page without its items refuses them.
 */
static int scan_string(struct scan *sc)
{
    sc->pos++;
    while (sc->pos < sc->len) {
        unsigned char c = (unsigned char)sc->s[sc->pos];
        if (c == '"') {
            sc->pos++;
            return 0;
        }
        if (c == '\\') {
            if (sc->pos + 1 >= sc->len)
                break;
            sc->pos += 2;
        } else {
            sc->pos++;
        }
    }
    return scan_fail(sc, "an unterminated string");
}

static bool scalar_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '+' || c == '.';
}

/* Moves past one value of any type, keeping a stack of the open brackets to match them. */
static int scan_value(struct scan *sc)
{
    unsigned char is_object[INGEST_HTTP_MAX_DEPTH / 8]; /* one bit per open bracket */
    size_t depth = 0;
    if (sc->pos >= sc->len)
        return scan_fail(sc, "a value is missing");
    char first = sc->s[sc->pos];
    if (first == '"')
        return scan_string(sc);
    if (first != '{' && first != '[') {
        size_t start = sc->pos;
        while (sc->pos < sc->len && scalar_char(sc->s[sc->pos]))
            sc->pos++;
        return sc->pos > start ? 0 : scan_fail(sc, "an unexpected character");
    }
    do {
        if (sc->pos >= sc->len)
            return scan_fail(sc, "an unclosed array or object");
        char c = sc->s[sc->pos];
        if (c == '"') {
            if (scan_string(sc) != 0)
                return -1;
            continue;
        }
        if (c == '{' || c == '[') {
            if (depth == INGEST_HTTP_MAX_DEPTH)
                return scan_fail(sc, "nesting too deep");
            unsigned char bit = (unsigned char)(1u << (depth % 8));
            if (c == '{')
                is_object[depth / 8] |= bit;
            else
                is_object[depth / 8] &= (unsigned char)~bit;
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return scan_fail(sc, "an unexpected closing bracket");
            depth--;
            bool object = (is_object[depth / 8] >> (depth % 8)) & 1u;
            if (object != (c == '}'))
                return scan_fail(sc, "mismatched brackets");
        }
        sc->pos++;
    } while (depth > 0);
    return 0;
}

/* Compares a key as written (between its quotes) with name, decoding escapes when present. */
static bool key_is(const char *raw, size_t rawlen, const char *name)
{
    size_t n = strlen(name);
    if (memchr(raw + 1, '\\', rawlen - 2) == NULL)
        return rawlen - 2 == n && memcmp(raw + 1, name, n) == 0;
    json_t *key = json_loadb(raw, rawlen, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    bool same = json_is_string(key) && json_string_length(key) == n &&
                memcmp(json_string_value(key), name, n) == 0;
    json_decref(key);
    return same;
}

/* At '[': records every element's span and moves past ']'. */
static int scan_items(struct scan *sc, struct ingest_http_page *page)
{
    sc->pos++;
    skip_ws(sc);
    if (sc->pos < sc->len && sc->s[sc->pos] == ']') {
        sc->pos++;
        return 0;
    }
    for (;;) {
        size_t start = sc->pos;
        if (scan_value(sc) != 0)
            return -1;
        if (add_span(page, start, sc->pos - start) != 0) {
            util_set_err(sc->err, sc->errlen, "out of memory");
            return -1;
        }
        skip_ws(sc);
        if (sc->pos >= sc->len)
            return scan_fail(sc, "an unclosed \"items\" array");
        char c = sc->s[sc->pos++];
        if (c == ']')
            return 0;
        if (c != ',')
            return scan_fail(sc, "a missing comma in \"items\"");
        skip_ws(sc);
    }
}

int ingest_http_split_items(const char *json, size_t len, struct ingest_http_page *page, char *err,
                            size_t errlen)
{
    struct scan sc = {json, len, 0, err, errlen};
    size_t first_item = page->nitems;
    bool found = false;
    skip_ws(&sc);
    if (sc.pos >= len || json[sc.pos] != '{') {
        util_set_err(err, errlen, "the page is not a JSON object");
        return -1;
    }
    sc.pos++;
    skip_ws(&sc);
    bool empty = sc.pos < len && json[sc.pos] == '}';
    if (empty)
        sc.pos++;
    while (!empty) {
        if (sc.pos >= len || json[sc.pos] != '"')
            goto malformed;
        size_t key_start = sc.pos;
        if (scan_string(&sc) != 0)
            goto fail;
        bool is_items = key_is(json + key_start, sc.pos - key_start, "items");
        skip_ws(&sc);
        if (sc.pos >= len || json[sc.pos] != ':')
            goto malformed;
        sc.pos++;
        skip_ws(&sc);
        if (is_items) {
            if (found) {
                util_set_err(err, errlen, "the page has \"items\" twice");
                goto fail;
            }
            found = true;
            if (sc.pos >= len || json[sc.pos] != '[') {
                util_set_err(err, errlen, "the page's \"items\" is not an array");
                goto fail;
            }
            if (scan_items(&sc, page) != 0)
                goto fail;
        } else if (scan_value(&sc) != 0) {
            goto fail;
        }
        skip_ws(&sc);
        if (sc.pos >= len)
            goto malformed;
        char c = json[sc.pos++];
        if (c == '}')
            break;
        if (c != ',')
            goto malformed;
        skip_ws(&sc);
    }
    skip_ws(&sc);
    if (sc.pos != len) {
        scan_fail(&sc, "text after the page's object");
        goto fail;
    }
    if (!found) {
        util_set_err(err, errlen, "the page has no \"items\"");
        goto fail;
    }
    return 0;
malformed:
    scan_fail(&sc, "a malformed object");
fail:
    page->nitems = first_item;
    return -1;
}

/*
 * Copies body into skeleton with every item replaced by a 0, so that the page around the
 * items can be parsed in full while each item is left to the validator. Returns 0 or -1
 * (no memory).
 */
static int page_skeleton(const char *body, size_t len, const struct ingest_http_page *page,
                         buf *skeleton)
{
    size_t from = 0;
    for (size_t i = 0; i < page->nitems; i++) {
        const struct ingest_http_span *span = &page->items[i];
        if (buf_append(skeleton, body + from, span->offset - from) != 0 ||
            buf_putc(skeleton, '0') != 0)
            return -1;
        from = span->offset + span->len;
    }
    return buf_append(skeleton, body + from, len - from);
}

/* Where in the body the byte at position of its skeleton came from. */
static size_t body_position(const struct ingest_http_page *page, size_t position)
{
    size_t shift = 0; /* bytes the items before position lost to their placeholders */
    for (size_t i = 0; i < page->nitems; i++) {
        const struct ingest_http_span *span = &page->items[i];
        if (position <= span->offset - shift)
            break;
        shift += span->len - 1;
    }
    return position + shift;
}

int ingest_http_parse_page(const char *body, size_t len, struct ingest_http_page *page, char *err,
                           size_t errlen)
{
    page->nitems = 0;
    free(page->next_cursor);
    page->next_cursor = NULL;
    /* the items are told apart first and parsed one by one later: an item that is not valid
     * JSON (a lone surrogate escape, a byte that is not UTF-8) is rejected alone instead of
     * failing its page and holding the cursor back for good */
    if (ingest_http_split_items(body, len, page, err, errlen) != 0)
        return -1;
    buf skeleton = BUF_INIT;
    if (page_skeleton(body, len, page, &skeleton) != 0) {
        util_set_err(err, errlen, "out of memory");
        buf_free(&skeleton);
        page->nitems = 0;
        return -1;
    }
    /* NUL is allowed so that a cursor holding \u0000 is refused with its own message */
    json_error_t jerr;
    json_t *root =
        json_loadb(skeleton.data != NULL ? skeleton.data : "", skeleton.len, JSON_ALLOW_NUL, &jerr);
    buf_free(&skeleton);
    if (root == NULL) {
        util_set_err(err, errlen, "the page is not valid JSON: %s at byte %zu", jerr.text,
                     body_position(page, jerr.position > 0 ? (size_t)jerr.position : 0));
        page->nitems = 0;
        return -1;
    }
    int rc = -1;
    json_t *items = json_object_get(root, "items");
    json_t *next = json_object_get(root, "next_cursor");
    if (!json_is_object(root)) {
        util_set_err(err, errlen, "the page is not a JSON object");
    } else if (!json_is_array(items)) {
        util_set_err(err, errlen, "the page has no \"items\" array");
    } else if (next == NULL) {
        util_set_err(err, errlen, "the page has no \"next_cursor\"");
    } else if (!json_is_null(next) && !json_is_string(next)) {
        util_set_err(err, errlen, "the page's \"next_cursor\" is neither a string nor null");
    } else if (json_is_string(next) &&
               (json_string_length(next) == 0 ||
                json_string_length(next) > INGEST_HTTP_MAX_CURSOR ||
                strlen(json_string_value(next)) != json_string_length(next))) {
        util_set_err(err, errlen,
                     "the page's \"next_cursor\" is empty, longer than %d bytes or holds NUL",
                     INGEST_HTTP_MAX_CURSOR);
    } else if (page->nitems != json_array_size(items)) {
        /* cannot happen with a correct scanner; refusing beats loading the wrong bytes */
        util_set_err(err, errlen,
                     "the page's items could not be told apart (%zu found, %zu parsed)",
                     page->nitems, json_array_size(items));
    } else if (!json_is_string(next)) {
        rc = 0;
    } else {
        page->next_cursor = strdup(json_string_value(next));
        if (page->next_cursor != NULL)
            rc = 0;
        else
            util_set_err(err, errlen, "out of memory");
    }
    if (rc != 0)
        page->nitems = 0;
    json_decref(root);
    return rc;
}

/* ---- the cursors a run has asked with ------------------------------------------------ */

struct ingest_http_cursor_slot {
    unsigned char digest[UTIL_SHA256_LEN];
    bool used;
};

/* Where digest is, or the empty slot where it belongs; cap is a power of two, never full. */
static size_t cursor_slot(const struct ingest_http_cursor_slot *slots, size_t cap,
                          const unsigned char *digest)
{
    uint64_t h = 0;
    memcpy(&h, digest, sizeof h); /* a SHA-256 is spread evenly: its first bytes will do */
    size_t i = (size_t)h & (cap - 1);
    while (slots[i].used && memcmp(slots[i].digest, digest, UTIL_SHA256_LEN) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

static int cursors_grow(struct ingest_http_cursors *set)
{
    size_t cap = set->cap ? set->cap * 2 : 64;
    if (cap > SIZE_MAX / sizeof *set->slots)
        return -1;
    struct ingest_http_cursor_slot *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < set->cap; i++) {
        if (set->slots[i].used)
            slots[cursor_slot(slots, cap, set->slots[i].digest)] = set->slots[i];
    }
    free(set->slots);
    set->slots = slots;
    set->cap = cap;
    return 0;
}

int ingest_http_cursors_add(struct ingest_http_cursors *set, const char *cursor)
{
    unsigned char digest[UTIL_SHA256_LEN];
    if (util_sha256(cursor, strlen(cursor), digest) != 0)
        return -1;
    if ((set->count + 1) * 2 > set->cap && cursors_grow(set) != 0)
        return -1;
    size_t i = cursor_slot(set->slots, set->cap, digest);
    if (set->slots[i].used)
        return 0;
    memcpy(set->slots[i].digest, digest, UTIL_SHA256_LEN);
    set->slots[i].used = true;
    set->count++;
    return 1;
}

void ingest_http_cursors_clear(struct ingest_http_cursors *set)
{
    if (set == NULL)
        return;
    free(set->slots);
    memset(set, 0, sizeof *set);
}

/* ---- fetching ----------------------------------------------------------------------- */

static bool curl_retryable(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

/* A uniform number in [0, 1) from splitmix64: jitter needs no cryptographic quality. */
static double next_uniform(uint64_t *state)
{
    *state += 0x9e3779b97f4a7c15u;
    uint64_t z = *state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

/* Full jitter: uniform in [0, min(cap, base * 2^(retry-1))], so many clients do not align. */
static double backoff_seconds(uint64_t *rng, int retry)
{
    double ceiling = BACKOFF_BASE_S;
    for (int i = 1; i < retry && ceiling < BACKOFF_CAP_S; i++)
        ceiling *= 2;
    if (ceiling > BACKOFF_CAP_S)
        ceiling = BACKOFF_CAP_S;
    return next_uniform(rng) * ceiling;
}

/* Sleeps in short slices so that a stop request is heard. Returns false when stopped. */
static bool sleep_unless_stopped(double seconds, volatile sig_atomic_t *stop)
{
    double end = util_monotonic() + seconds;
    for (;;) {
        if (stop != NULL && *stop)
            return false;
        double left = end - util_monotonic();
        if (left <= 0)
            return true;
        double slice = left < 0.1 ? left : 0.1;
        struct timespec ts = {0, (long)(slice * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static int build_url(const struct ingest_http_client *client, const char *cursor,
                     struct ingest_http_page *page)
{
    buf url = BUF_INIT;
    int rc = buf_printf(&url, "%s/submissions?", client->base);
    if (rc == 0 && cursor != NULL) {
        char *escaped = curl_easy_escape(client->curl, cursor, (int)strlen(cursor));
        rc = escaped == NULL ? -1 : buf_printf(&url, "since=%s&", escaped);
        curl_free(escaped);
    }
    if (rc == 0)
        rc = buf_printf(&url, "limit=%ld", client->source->page_size);
    if (rc != 0) {
        buf_free(&url);
        return -1;
    }
    page->url = buf_steal(&url);
    return 0;
}

int ingest_http_fetch(struct ingest_http_client *client, const char *cursor,
                      struct ingest_http_page *page, volatile sig_atomic_t *stop, char *err,
                      size_t errlen)
{
    const struct conf_source *s = client->source;
    page_reset(page);
    if (cursor != NULL && strlen(cursor) > INGEST_HTTP_MAX_CURSOR) {
        util_set_err(err, errlen, "the stored cursor is longer than %d bytes",
                     INGEST_HTTP_MAX_CURSOR);
        return INGEST_HTTP_FAILED;
    }
    if (build_url(client, cursor, page) != 0) {
        util_set_err(err, errlen, "out of memory");
        return INGEST_HTTP_FAILED;
    }
    log_debug("%s: GET %s", s->name, page->url);
    struct transfer t = {
        .curl = client->curl,
        .body = &page->body,
        .cap = (size_t)s->max_page_bytes,
        .content_length = -1,
        .stop = stop,
    };
    CURL *c = client->curl;
    if (curl_easy_setopt(c, CURLOPT_URL, page->url) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &t) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &t) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t) != CURLE_OK) {
        util_set_err(err, errlen, "cannot set up the request for %s", page->url);
        return INGEST_HTTP_FAILED;
    }
    int total = 1 + (int)s->max_retries;
    char why[CURL_ERROR_SIZE + 128];
    for (int attempt = 1;; attempt++) {
        if (stop != NULL && *stop)
            return INGEST_HTTP_STOPPED;
        buf_reset(&page->body);
        t.too_large = false;
        t.out_of_memory = false;
        t.content_length = -1;
        t.received = 0;
        client->curl_error[0] = '\0';
        page->attempts = attempt;
        CURLcode rc = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        page->http_status = status;
        bool retry = false;
        curl_off_t retry_after = 0;
        if (rc == CURLE_ABORTED_BY_CALLBACK && stop != NULL && *stop)
            return INGEST_HTTP_STOPPED;
        if (rc == CURLE_WRITE_ERROR && t.too_large) {
            util_set_err(err, errlen,
                         "GET %s: the page is larger than max_page_bytes (%ld bytes); the transfer "
                         "was stopped",
                         page->url, s->max_page_bytes);
            return INGEST_HTTP_FAILED;
        }
        if (rc == CURLE_WRITE_ERROR && t.out_of_memory) {
            util_set_err(err, errlen, "GET %s: out of memory", page->url);
            return INGEST_HTTP_FAILED;
        }
        if (rc == CURLE_FILESIZE_EXCEEDED) {
            util_set_err(err, errlen,
                         "GET %s: the platform announced a page of %lld bytes, more than "
                         "max_page_bytes (%ld bytes); it was not fetched",
                         page->url, t.content_length, s->max_page_bytes);
            return INGEST_HTTP_FAILED;
        }
        if (rc != CURLE_OK) {
            snprintf(why, sizeof why, "%s",
                     client->curl_error[0] ? client->curl_error : curl_easy_strerror(rc));
            retry = curl_retryable(rc);
        } else if (status >= 200 && status <= 299) {
            if (ingest_http_parse_page(page->body.data ? page->body.data : "", page->body.len, page,
                                       why, sizeof why) == 0)
                return INGEST_HTTP_OK;
            /* a complete answer that breaks the contract: asking again for the same cursor
             * gets the same bytes, so the source fails now and the cursor stays put */
            util_set_err(err, errlen, "GET %s: %s", page->url, why);
            return INGEST_HTTP_FAILED;
        } else if (status == 429 || (status >= 500 && status <= 599)) {
            snprintf(why, sizeof why, "the platform answered HTTP %ld", status);
            curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &retry_after);
            retry = true;
        } else {
            snprintf(why, sizeof why, "the platform answered HTTP %ld%s", status,
                     status == 401 || status == 403 ? "; check the source's token"
                     : status == 404                ? "; check the source's url"
                                                    : "");
        }
        if (!retry || attempt >= total) {
            util_set_err(err, errlen, "GET %s: %s (%d attempt%s)", page->url, why, attempt,
                         attempt == 1 ? "" : "s");
            return INGEST_HTTP_FAILED;
        }
        double wait =
            retry_after > 0
                ? (double)(retry_after < RETRY_AFTER_CAP_S ? retry_after : RETRY_AFTER_CAP_S)
                : backoff_seconds(&client->rng, attempt);
        log_warn("%s: GET %s: %s; retrying in %.1f s (attempt %d of %d)", s->name, page->url, why,
                 wait, attempt + 1, total);
        if (!sleep_unless_stopped(wait, stop))
            return INGEST_HTTP_STOPPED;
    }
}
