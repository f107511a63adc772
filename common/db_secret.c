/* db_secret.c - finding the password in a connection string, and keeping it out of messages. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/db.h"

#define MAX_SPANS 8
#define MASK "***"

/* Where a password is written in a connection string: bytes [start, end). */
struct span {
    size_t start, end;
};

struct spans {
    struct span at[MAX_SPANS];
    int n;
};

static void add_span(struct spans *sp, size_t start, size_t end)
{
    if (sp->n < MAX_SPANS && end > start)
        sp->at[sp->n++] = (struct span){start, end};
}

/* The length of the URI scheme "postgresql://" or "postgres://" that s starts with, or 0. */
static size_t uri_prefix(const char *s)
{
    static const char *const schemes[] = {"postgresql://", "postgres://"};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t n = strlen(schemes[i]);
        if (strncmp(s, schemes[i], n) == 0)
            return n;
    }
    return 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into out, leaving a '%' not followed by two hex digits as it is
 * (libpq refuses those; here they must still be found). Returns 0, or -1 out of memory. */
static int lenient_decode(const char *s, size_t n, buf *out)
{
    buf_reset(out);
    for (size_t i = 0; i < n; i++) {
        int high = s[i] == '%' && i + 2 < n ? hex_value(s[i + 1]) : -1;
        int low = high >= 0 ? hex_value(s[i + 2]) : -1;
        if (low >= 0) {
            if (buf_putc(out, (char)(high * 16 + low)) != 0)
                return -1;
            i += 2;
        } else if (buf_putc(out, s[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

/* The buffer's text; "" while it holds nothing. */
static const char *text_of(const buf *b)
{
    return b->data != NULL ? b->data : "";
}

/* True when needle[0..n) occurs in haystack. */
static bool contains(const char *haystack, const char *needle, size_t n)
{
    size_t len = strlen(haystack);
    for (size_t pos = 0; pos + n <= len; pos++) {
        if (memcmp(haystack + pos, needle, n) == 0)
            return true;
    }
    return false;
}

/*
 * A URI's password: read the way libpq reads it (user info ends at the first '@', unless
 * a '/' comes first) and also the way a person may have meant it (user info ends at the
 * last '@' before the query), so that a password holding '/', '@' or a bad '%' escape,
 * which libpq reads as part of the host, port or database name, is found all the same;
 * and any "password" parameter of the query.
 */
static void uri_spans(const char *s, size_t prefix, struct spans *sp)
{
    size_t len = strlen(s);
    const char *q = strchr(s + prefix, '?');
    size_t query = q != NULL ? (size_t)(q - s) : len;
    size_t first_at = 0, last_at = 0;
    for (size_t i = prefix; i < len && s[i] != '/'; i++) {
        if (s[i] == '@') {
            first_at = i;
            break;
        }
    }
    for (size_t i = prefix; i < query; i++) {
        if (s[i] == '@')
            last_at = i;
    }
    size_t ends[2] = {first_at, last_at};
    for (int k = 0; k < 2; k++) {
        if (ends[k] == 0)
            continue;
        for (size_t i = prefix; i < ends[k]; i++) {
            if (s[i] == ':') {
                add_span(sp, i + 1, ends[k]);
                break;
            }
        }
    }
    buf key = BUF_INIT;
    for (size_t i = query + 1; i < len;) {
        size_t end = i;
        while (end < len && s[end] != '&')
            end++;
        size_t eq = i;
        while (eq < end && s[eq] != '=')
            eq++;
        if (eq < end && lenient_decode(s + i, eq - i, &key) == 0 &&
            strcmp(text_of(&key), "password") == 0)
            add_span(sp, eq + 1, end);
        i = end + 1;
    }
    buf_free(&key);
}

/*
 * Key/value form, with libpq's rules: keyword, '=', then a value that is either unquoted
 * (up to white space, backslash escapes) or in single quotes. When the string cannot be
 * read to its end, what follows a password (and any later "password") is taken as
 * password too: how libpq splits it then is anyone's guess.
 */
static void keyword_spans(const char *s, struct spans *sp)
{
    size_t len = strlen(s);
    size_t i = 0;
    while (i < len) {
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        if (i >= len)
            return;
        size_t name = i;
        while (i < len && s[i] != '=' && !isspace((unsigned char)s[i]))
            i++;
        size_t name_end = i;
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        if (i >= len || s[i] != '=')
            goto unreadable;
        i++;
        while (i < len && isspace((unsigned char)s[i]))
            i++;
        size_t value = i, value_end;
        if (i < len && s[i] == '\'') {
            value = ++i;
            while (i < len && s[i] != '\'') {
                if (s[i] == '\\' && i + 1 < len)
                    i++;
                i++;
            }
            if (i >= len)
                goto unreadable;
            value_end = i++;
        } else {
            while (i < len && !isspace((unsigned char)s[i])) {
                if (s[i] == '\\' && i + 1 < len)
                    i++;
                i++;
            }
            value_end = i;
        }
        if (name_end - name == 8 && strncmp(s + name, "password", 8) == 0)
            add_span(sp, value, value_end);
        continue;
    unreadable:
        if (sp->n > 0)
            sp->at[sp->n - 1].end = len;
        const char *later = strstr(s + name, "password");
        if (later != NULL)
            add_span(sp, (size_t)(later - s) + 8, len);
        return;
    }
}

static void find_spans(const char *conninfo, struct spans *sp)
{
    sp->n = 0;
    size_t prefix = uri_prefix(conninfo);
    if (prefix > 0)
        uri_spans(conninfo, prefix, sp);
    else
        keyword_spans(conninfo, sp);
}

/* The password as libpq reads it (malloc'ed), or NULL when none or unreadable. */
static char *libpq_password(const char *conninfo)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
    PQfreemem(err);
    if (opts == NULL)
        return NULL;
    char *found = NULL;
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (strcmp(o->keyword, "password") == 0 && o->val != NULL && o->val[0] != '\0')
            found = strdup(o->val);
    }
    PQconninfoFree(opts);
    return found;
}

bool db_conninfo_has_password(const char *conninfo)
{
    if (conninfo == NULL)
        return false;
    struct spans sp;
    find_spans(conninfo, &sp);
    if (sp.n > 0)
        return true;
    char *pw = libpq_password(conninfo);
    free(pw);
    return pw != NULL;
}

/* True when some occurrence of token[0..n) in text lies partly within one of the spans. */
static bool taken_from_spans(const char *text, const char *token, size_t n, const struct span *at,
                             int nspans)
{
    size_t len = strlen(text);
    for (size_t pos = 0; n > 0 && pos + n <= len; pos++) {
        if (memcmp(text + pos, token, n) != 0)
            continue;
        for (int k = 0; k < nspans; k++) {
            if (pos < at[k].end && pos + n > at[k].start)
                return true;
        }
    }
    return false;
}

int db_scrub_password(const char *conninfo, const char *message, buf *out)
{
    buf_reset(out);
    if (message == NULL)
        message = "";
    struct spans sp = {.n = 0};
    if (conninfo != NULL)
        find_spans(conninfo, &sp);
    char *parsed = conninfo != NULL ? libpq_password(conninfo) : NULL;
    if (sp.n == 0 && parsed == NULL)
        return buf_puts(out, message);

    int rc = -1;
    buf decoded = BUF_INIT, piece = BUF_INIT, masked = BUF_INIT;
    /* the same string and spans percent-decoded, for a URI whose parts libpq decodes before
     * quoting them */
    struct span dspans[MAX_SPANS];
    bool uri = uri_prefix(conninfo) > 0;
    if (uri) {
        if (lenient_decode(conninfo, strlen(conninfo), &decoded) != 0)
            goto out;
        for (int k = 0; k < sp.n; k++) {
            if (lenient_decode(conninfo, sp.at[k].start, &piece) != 0)
                goto out;
            dspans[k].start = piece.len;
            if (lenient_decode(conninfo, sp.at[k].end, &piece) != 0)
                goto out;
            dspans[k].end = piece.len;
        }
    }

    /* first every quoted token (libpq quotes what it echoes) taken from a password */
    for (const char *p = message; *p != '\0';) {
        const char *open = strchr(p, '"');
        const char *close = open != NULL ? strchr(open + 1, '"') : NULL;
        if (close == NULL) {
            if (buf_puts(&masked, p) != 0)
                goto out;
            break;
        }
        size_t n = (size_t)(close - open - 1);
        bool secret = taken_from_spans(conninfo, open + 1, n, sp.at, sp.n) ||
                      (uri && taken_from_spans(text_of(&decoded), open + 1, n, dspans, sp.n)) ||
                      (parsed != NULL && n > 0 && contains(parsed, open + 1, n));
        if (buf_append(&masked, p, (size_t)(open - p) + 1) != 0 ||
            (secret ? buf_puts(&masked, MASK) : buf_append(&masked, open + 1, n)) != 0 ||
            buf_putc(&masked, '"') != 0)
            goto out;
        p = close + 1;
    }

    /* then the password itself wherever it still appears, as written and as decoded */
    const char *secrets[2 * MAX_SPANS + 1];
    size_t lens[2 * MAX_SPANS + 1];
    int nsecrets = 0;
    for (int k = 0; k < sp.n; k++) {
        secrets[nsecrets] = conninfo + sp.at[k].start;
        lens[nsecrets++] = sp.at[k].end - sp.at[k].start;
        if (uri) {
            secrets[nsecrets] = text_of(&decoded) + dspans[k].start;
            lens[nsecrets++] = dspans[k].end - dspans[k].start;
        }
    }
    if (parsed != NULL) {
        secrets[nsecrets] = parsed;
        lens[nsecrets++] = strlen(parsed);
    }
    const char *m = text_of(&masked);
    for (size_t i = 0; m[i] != '\0';) {
        size_t longest = 0;
        for (int k = 0; k < nsecrets; k++) {
            if (lens[k] > longest && strncmp(m + i, secrets[k], lens[k]) == 0)
                longest = lens[k];
        }
        if (longest > 0) {
            if (buf_puts(out, MASK) != 0)
                goto out;
            i += longest;
        } else if (buf_putc(out, m[i++]) != 0) {
            goto out;
        }
    }
    rc = 0;
out:
    free(parsed);
    buf_free(&decoded);
    buf_free(&piece);
    buf_free(&masked);
    return rc;
}
