/* fuzz_registry.c - libFuzzer harness: xf_registry_parse on arbitrary schools.csv bytes, and
 * xf_registry_scan reading the same bytes in small pieces. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "transform/xform.h"
#include "tests/fuzz/fuzz_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const school_types[] = {
    "primary", "junior", "senior", "nine_year", "complete_secondary", "twelve_year", "special"};

struct reports {
    int count;
};

/* Printable text for an operator's terminal: UTF-8 without C0 controls or DEL. */
static bool printable(const char *s)
{
    size_t len = strlen(s);
    if (!valid_utf8((const unsigned char *)s, len))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

static bool digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

static void on_report(int line, const char *message, void *ctx)
{
    struct reports *r = ctx;
    r->count++;
    /* the line is physical, counted from 1; 0 only for the file as a whole */
    if (line < 0 || message == NULL || message[0] == '\0' || !printable(message))
        abort();
}

/* What a scan saw, folded into one number: every row and every report, in order. */
struct trace {
    uint64_t hash;
    int rows, reports;
};

static void fold(struct trace *t, const void *p, size_t n)
{
    const unsigned char *u = p;
    for (size_t i = 0; i < n; i++) {
        t->hash ^= u[i];
        t->hash *= 1099511628211ULL;
    }
}

static int trace_row(const struct xf_school *s, int line, void *ctx)
{
    struct trace *t = ctx;
    t->rows++;
    fold(t, &line, sizeof line);
    fold(t, s->school_code, sizeof s->school_code);
    fold(t, s->school_name, strlen(s->school_name) + 1);
    fold(t, s->district_code, sizeof s->district_code);
    fold(t, s->district_name, strlen(s->district_name) + 1);
    fold(t, s->school_type, strlen(s->school_type) + 1);
    fold(t, &s->active, sizeof s->active);
    return 0;
}

static void trace_report(int line, const char *message, void *ctx)
{
    struct trace *t = ctx;
    t->reports++;
    fold(t, &line, sizeof line);
    fold(t, message, strlen(message) + 1);
}

struct pieces {
    const uint8_t *data;
    size_t size, pos, piece;
};

static ssize_t read_pieces(void *src, char *out, size_t cap)
{
    struct pieces *p = src;
    size_t n = p->size - p->pos;
    if (n > p->piece)
        n = p->piece;
    if (n > cap)
        n = cap;
    memcpy(out, p->data + p->pos, n);
    p->pos += n;
    return (ssize_t)n;
}

/* The file read in pieces of 1 to 8 bytes is read as in one piece: same rows, same reports. */
static void check_pieces(const uint8_t *data, size_t size)
{
    struct trace whole = {1469598103934665603ULL, 0, 0}, cut = whole;
    struct pieces src = {data, size, 0, size + 1};
    int a = xf_registry_scan(read_pieces, &src, trace_row, &whole, trace_report, &whole);
    src = (struct pieces){data, size, 0, 1 + (size > 0 ? data[0] % 8 : 0)};
    int b = xf_registry_scan(read_pieces, &src, trace_row, &cut, trace_report, &cut);
    if (a < 0 || a != b || a != whole.reports || whole.hash != cut.hash || whole.rows != cut.rows ||
        whole.reports != cut.reports)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_pieces(data, size);

    struct reports r = {0};
    struct xf_registry *reg = xf_registry_parse((const char *)data, size, on_report, &r);
    if (reg == NULL) {
        /* refused as a whole: there is always a reason (memory is not short under the fuzzer) */
        if (r.count == 0)
            abort();
        return 0;
    }
    if (r.count != 0)
        abort(); /* a reported row means the load is refused */
    int n = xf_registry_count(reg);
    if (n < 1 || xf_registry_at(reg, -1) != NULL || xf_registry_at(reg, n) != NULL)
        abort();
    for (int i = 0; i < n; i++) {
        const struct xf_school *s = xf_registry_at(reg, i);
        if (s == NULL || !digits(s->school_code, XF_SCHOOL_CODE_LEN) ||
            !digits(s->district_code, XF_DISTRICT_CODE_LEN))
            abort();
        if (s->school_name == NULL || s->school_name[0] == '\0' || !printable(s->school_name))
            abort();
        if (s->district_name == NULL || s->district_name[0] == '\0' || !printable(s->district_name))
            abort();
        if (memchr(s->school_type, '\0', sizeof s->school_type) == NULL)
            abort();
        bool known = false;
        for (size_t k = 0; k < sizeof school_types / sizeof school_types[0]; k++)
            known = known || strcmp(s->school_type, school_types[k]) == 0;
        if (!known)
            abort();
        /* codes are unique: looking one up finds this very row */
        if (xf_registry_find(reg, s->school_code) != s)
            abort();
        /* a district has one name throughout the file */
        for (int j = 0; j < i; j++) {
            const struct xf_school *t = xf_registry_at(reg, j);
            if (strcmp(t->district_code, s->district_code) == 0 &&
                strcmp(t->district_name, s->district_name) != 0)
                abort();
        }
    }
    if (xf_registry_find(reg, "") != NULL || xf_registry_find(reg, NULL) != NULL)
        abort();
    xf_registry_free(reg);
    return 0;
}
