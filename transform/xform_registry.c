/* xform_registry.c - the school registry (schools.csv): read in pieces and checked row by row,
 * or read into a hash table. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/util.h"
#include "transform/xform.h"

#define REGISTRY_MAX_BYTES ((size_t)256 * 1024 * 1024)
#define FIELD_MAX_BYTES 1024
#define NCOLUMNS 6
#define QUOTE_MAX 60

static const char header_text[] =
    "school_code,school_name,district_code,district_name,school_type,active";
static const char *const columns[NCOLUMNS] = {"school_code",   "school_name", "district_code",
                                              "district_name", "school_type", "active"};
static const char *const school_types[] = {
    "primary", "junior", "senior", "nine_year", "complete_secondary", "twelve_year", "special"};

/* An open-addressing table of row indexes keyed by a string of the row; slots hold index + 1. */
struct index {
    int *slots;
    size_t nslots; /* a power of two, at least twice the number of keys */
    size_t nkeys;
};

struct district {
    char code[XF_DISTRICT_CODE_LEN + 1];
    char *name; /* borrowed from the first school of the district */
    int line;
};

struct xf_registry {
    struct xf_school *schools; /* file order */
    int *lines;                /* physical line of each school, for duplicate reports */
    int nschools;
    int cap;
    struct index by_code;
    /* only while reading: a district's name must be the same on every row */
    struct district *districts;
    int ndistricts;
    int district_cap;
    struct index by_district;
};

/* One field as read: the bytes after unquoting, or too_long when over FIELD_MAX_BYTES. */
struct field {
    char text[FIELD_MAX_BYTES + 1];
    size_t len;
    bool too_long;
};

/* The bytes read so far and not yet consumed: a window over a source read in pieces, or the
 * whole of a buffer. Every read goes through peek, which refills the window as needed. */
#define WINDOW_BYTES ((size_t)64 * 1024)

struct parser {
    const char *data; /* the window: data[pos..len) is unread */
    size_t len;
    size_t pos;
    char *window;                                      /* owned; NULL for a buffer */
    ssize_t (*read)(void *src, char *buf, size_t cap); /* NULL for a buffer */
    void *src;
    size_t total; /* bytes read from the source */
    bool eof;
    bool read_failed; /* the source failed (errno) */
    bool over_limit;  /* the source is larger than REGISTRY_MAX_BYTES (reported) */
    int line;         /* physical line at pos */
    void (*report)(int line, const char *message, void *ctx);
    void *ctx;
    int nreports;
};

static void report(struct parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(struct parser *p, int line, const char *fmt, ...)
{
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    p->nreports++;
    if (p->report != NULL)
        p->report(line, message, p->ctx);
}

/* Refills the window until want bytes are unread or the source is at its end. */
static void refill(struct parser *p, size_t want)
{
    while (p->len - p->pos < want && !p->eof) {
        if (p->read == NULL) {
            p->eof = true;
            break;
        }
        memmove(p->window, p->data + p->pos, p->len - p->pos);
        p->len -= p->pos;
        p->pos = 0;
        p->data = p->window;
        ssize_t n = p->read(p->src, p->window + p->len, WINDOW_BYTES - p->len);
        if (n <= 0) {
            p->read_failed = n < 0;
            p->eof = true;
            break;
        }
        p->len += (size_t)n;
        p->total += (size_t)n;
        if (p->total > REGISTRY_MAX_BYTES) {
            report(p, 0, "the registry is larger than %zu MiB", REGISTRY_MAX_BYTES >> 20);
            p->over_limit = true;
            p->eof = true;
            p->len = p->pos; /* nothing more is read */
        }
    }
}

/* The byte k places ahead (k at most 2), or -1 at the end of the data. */
static inline int peek(struct parser *p, size_t k)
{
    if (p->pos + k >= p->len) {
        refill(p, k + 1);
        if (p->pos + k >= p->len)
            return -1;
    }
    return (unsigned char)p->data[p->pos + k];
}

/* FNV-1a: short digit strings, no adversary can gain much from collisions of a bureau file. */
static size_t hash_text(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return (size_t)h;
}

static const char *school_key(const struct xf_registry *reg, int i)
{
    return reg->schools[i].school_code;
}

static const char *district_key(const struct xf_registry *reg, int i)
{
    return reg->districts[i].code;
}

/* Returns the row index stored under key, or -1. */
static int index_find(const struct index *ix, const struct xf_registry *reg,
                      const char *(*key_of)(const struct xf_registry *, int), const char *key)
{
    if (ix->nslots == 0)
        return -1;
    size_t mask = ix->nslots - 1;
    for (size_t s = hash_text(key) & mask;; s = (s + 1) & mask) {
        int slot = ix->slots[s];
        if (slot == 0)
            return -1;
        if (strcmp(key_of(reg, slot - 1), key) == 0)
            return slot - 1;
    }
}

static void index_place(struct index *ix, size_t hash, int row)
{
    size_t mask = ix->nslots - 1;
    size_t s = hash & mask;
    while (ix->slots[s] != 0)
        s = (s + 1) & mask;
    ix->slots[s] = row + 1;
}

/* Makes room for one more key. Returns 0, or -1 when memory ran out (the index is unchanged). */
static int index_reserve(struct index *ix, const struct xf_registry *reg,
                         const char *(*key_of)(const struct xf_registry *, int))
{
    if ((ix->nkeys + 1) * 2 <= ix->nslots)
        return 0;
    size_t nslots = ix->nslots == 0 ? 64 : ix->nslots * 2;
    int *slots = calloc(nslots, sizeof *slots);
    if (slots == NULL)
        return -1;
    struct index grown = {slots, nslots, ix->nkeys};
    for (size_t s = 0; s < ix->nslots; s++) {
        if (ix->slots[s] != 0)
            index_place(&grown, hash_text(key_of(reg, ix->slots[s] - 1)), ix->slots[s] - 1);
    }
    free(ix->slots);
    *ix = grown;
    return 0;
}

/* Adds row, whose key is not present yet, after index_reserve succeeded. */
static void index_insert(struct index *ix, const struct xf_registry *reg,
                         const char *(*key_of)(const struct xf_registry *, int), int row)
{
    index_place(ix, hash_text(key_of(reg, row)), row);
    ix->nkeys++;
}

static bool control_char(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

/* True when s is valid UTF-8 without control characters: fit for a report and a text column. */
static bool clean_text(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = buf_utf8_sequence(u + i, len - i);
        if (n == 0 || (n == 1 && control_char(u[i])))
            return false;
        i += n;
    }
    return true;
}

/* Copies at most QUOTE_MAX bytes of s for a report, cut on a character ("..." marks the cut);
 * anything unprintable becomes '?'. out has room for QUOTE_MAX + 4 bytes. */
static void printable(char *out, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = buf_utf8_sequence(u + i, len - i);
        bool replace = n == 0 || (n == 1 && control_char(u[i]));
        size_t put = replace ? 1 : n;
        if (o + put > QUOTE_MAX) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (replace)
            out[o] = '?';
        else
            memcpy(out + o, s + i, n);
        o += put;
        i += replace ? 1 : n;
    }
    out[o] = '\0';
}

static bool digits_only(const char *s, size_t len, size_t want)
{
    if (len != want)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

static void field_put(struct field *f, char c)
{
    if (f->len < FIELD_MAX_BYTES)
        f->text[f->len++] = c;
    else
        f->too_long = true;
}

static void skip_line(struct parser *p)
{
    int c;
    while ((c = peek(p, 0)) != -1 && c != '\n')
        p->pos++;
    if (c == '\n') {
        p->pos++;
        p->line++;
    }
}

/* True at the end of a record: "\r\n", "\n" or the end of the data. */
static bool at_record_end(struct parser *p)
{
    int c = peek(p, 0);
    return c == -1 || c == '\n' || (c == '\r' && peek(p, 1) == '\n');
}

/*
 * Reads one record (RFC 4180) into fields, at most NCOLUMNS of them kept; *nfields is
 * the number found. Returns 1 for a record, 0 at the end of the data, -1 for a record
 * too broken to read on (a reason has been reported; the parser moved to the next line).
 */
static int read_record(struct parser *p, struct field fields[NCOLUMNS], int *nfields,
                       int *record_line)
{
    struct field spare;
    *nfields = 0;
    *record_line = p->line;
    if (peek(p, 0) == -1)
        return 0;
    int n = 0;
    for (;;) {
        struct field *f = n < NCOLUMNS ? &fields[n] : &spare;
        f->len = 0;
        f->too_long = false;
        n++;
        int c = peek(p, 0);
        if (c == '"') {
            int quote_line = p->line;
            p->pos++;
            for (;;) {
                c = peek(p, 0);
                if (c == -1) {
                    report(p, quote_line,
                           "a quoted field is not closed before the end of the file");
                    *nfields = n;
                    return -1;
                }
                p->pos++;
                if (c == '"') {
                    if (peek(p, 0) == '"') {
                        p->pos++;
                        field_put(f, '"');
                        continue;
                    }
                    break;
                }
                if (c == '\n')
                    p->line++;
                field_put(f, (char)c);
            }
            if (peek(p, 0) != ',' && !at_record_end(p)) {
                report(p, p->line, "field %d has text after its closing quote", n);
                skip_line(p);
                *nfields = n;
                return -1;
            }
        } else {
            while (peek(p, 0) != ',' && !at_record_end(p)) {
                c = peek(p, 0);
                if (c == '"') {
                    report(p, p->line, "field %d has a quote but is not quoted", n);
                    skip_line(p);
                    *nfields = n;
                    return -1;
                }
                field_put(f, (char)c);
                p->pos++;
            }
        }
        if (peek(p, 0) == ',') {
            p->pos++;
            continue;
        }
        /* end of record: "\r\n", "\n" or the end of the data */
        if (peek(p, 0) == '\r')
            p->pos++;
        if (peek(p, 0) == '\n') {
            p->pos++;
            p->line++;
        }
        *nfields = n;
        for (int i = 0; i < n && i < NCOLUMNS; i++)
            fields[i].text[fields[i].len] = '\0';
        return 1;
    }
}

/*
 * Checks the fields of one data row on their own (not against other rows). Returns true with
 * school filled when they are good; its names borrow the fields' text.
 */
static bool check_row(struct parser *p, struct field f[NCOLUMNS], int line,
                      struct xf_school *school)
{
    bool bad = false;
    for (int i = 0; i < NCOLUMNS; i++) {
        if (f[i].too_long) {
            report(p, line, "%s is longer than %d bytes", columns[i], FIELD_MAX_BYTES);
            bad = true;
        } else if (f[i].len == 0) {
            report(p, line, "%s is empty", columns[i]);
            bad = true;
        } else if (!clean_text(f[i].text, f[i].len)) {
            report(p, line, "%s is not valid UTF-8 or holds control characters", columns[i]);
            bad = true;
        }
    }
    if (bad)
        return false;
    char q[QUOTE_MAX + 4];
    if (!digits_only(f[0].text, f[0].len, XF_SCHOOL_CODE_LEN)) {
        printable(q, f[0].text, f[0].len);
        report(p, line, "school_code \"%s\" is not 10 digits", q);
        bad = true;
    }
    if (!digits_only(f[2].text, f[2].len, XF_DISTRICT_CODE_LEN)) {
        printable(q, f[2].text, f[2].len);
        report(p, line, "district_code \"%s\" is not 6 digits", q);
        bad = true;
    }
    bool known_type = false;
    for (size_t i = 0; i < sizeof school_types / sizeof school_types[0]; i++)
        known_type = known_type || strcmp(f[4].text, school_types[i]) == 0;
    if (!known_type) {
        printable(q, f[4].text, f[4].len);
        report(p, line,
               "school_type \"%s\" is not one of primary, junior, senior, nine_year, "
               "complete_secondary, twelve_year, special",
               q);
        bad = true;
    }
    /* spreadsheets write booleans as TRUE/FALSE */
    bool active = false;
    if (strcasecmp(f[5].text, "true") == 0 || strcmp(f[5].text, "1") == 0) {
        active = true;
    } else if (strcasecmp(f[5].text, "false") != 0 && strcmp(f[5].text, "0") != 0) {
        printable(q, f[5].text, f[5].len);
        report(p, line, "active \"%s\" is not true, false, 1 or 0", q);
        bad = true;
    }
    if (bad)
        return false;
    memset(school, 0, sizeof *school);
    memcpy(school->school_code, f[0].text, XF_SCHOOL_CODE_LEN + 1);
    memcpy(school->district_code, f[2].text, XF_DISTRICT_CODE_LEN + 1);
    memcpy(school->school_type, f[4].text, f[4].len + 1);
    school->active = active;
    school->school_name = f[1].text;
    school->district_name = f[3].text;
    return true;
}

static bool blank_line(struct parser *p)
{
    int c = peek(p, 0);
    if (c == '\r')
        c = peek(p, 1);
    return c == -1 || c == '\n';
}

/* The rows of the parser's data, each checked and handed to row (see xf_registry_scan). */
static int scan(struct parser *p, xf_registry_row_fn row, void *row_ctx)
{
    if (peek(p, 0) == 0xef && peek(p, 1) == 0xbb && peek(p, 2) == 0xbf)
        p->pos += 3;
    /* a file saved in the encoding of Chinese Windows is one fault, not one per line */
    refill(p, WINDOW_BYTES / 2);
    if (util_looks_gb18030(p->data + p->pos, p->len - p->pos)) {
        report(p, 1,
               "the file is not UTF-8: it reads as GBK/GB18030, the encoding of Chinese Windows; "
               "save it as UTF-8 (另存为 UTF-8 编码)");
        return p->nreports;
    }
    struct field fields[NCOLUMNS];
    int nfields = 0;
    int line = 1;
    while (peek(p, 0) != -1 && blank_line(p))
        skip_line(p);
    int rc = read_record(p, fields, &nfields, &line);
    bool header_ok = rc == 1 && nfields == NCOLUMNS;
    for (int i = 0; header_ok && i < NCOLUMNS; i++)
        header_ok = !fields[i].too_long && strcmp(fields[i].text, columns[i]) == 0;
    if (p->read_failed)
        return -1;
    if (p->over_limit)
        return p->nreports;
    if (!header_ok) {
        /* without the agreed columns no row can be read with confidence */
        if (rc == 0)
            report(p, line, "the file is empty; the header must be %s", header_text);
        else if (rc == 1)
            report(p, line, "the header must be %s", header_text);
        return p->nreports;
    }

    int nrows = 0;
    for (;;) {
        while (peek(p, 0) != -1 && blank_line(p))
            skip_line(p);
        rc = read_record(p, fields, &nfields, &line);
        if (p->read_failed)
            return -1;
        if (p->over_limit)
            return p->nreports;
        if (rc == 0)
            break;
        if (rc < 0)
            continue;
        if (nfields != NCOLUMNS) {
            report(p, line, "expected %d fields, found %d", NCOLUMNS, nfields);
            continue;
        }
        struct xf_school school;
        if (!check_row(p, fields, line, &school))
            continue;
        nrows++;
        if (row(&school, line, row_ctx) != 0)
            return -1;
    }
    if (p->nreports == 0 && nrows == 0)
        report(p, p->line, "the registry lists no schools");
    return p->nreports;
}

int xf_registry_scan(ssize_t (*read)(void *src, char *buf, size_t cap), void *src,
                     xf_registry_row_fn row, void *row_ctx,
                     void (*report_fn)(int line, const char *message, void *ctx), void *ctx)
{
    struct parser p = {.line = 1, .read = read, .src = src, .report = report_fn, .ctx = ctx};
    p.window = malloc(WINDOW_BYTES);
    if (p.window == NULL) {
        errno = ENOMEM;
        return -1;
    }
    p.data = p.window;
    int rc = scan(&p, row, row_ctx);
    int saved = errno;
    free(p.window);
    errno = saved;
    return rc;
}

void xf_registry_duplicate_message(char *out, size_t cap, const char *school_code, int first_line)
{
    snprintf(out, cap, "school_code %s is already listed on line %d", school_code, first_line);
}

void xf_registry_district_message(char *out, size_t cap, const char *district_code,
                                  const char *name, const char *first_name, int first_line)
{
    char q[QUOTE_MAX + 4], first[QUOTE_MAX + 4];
    printable(q, name, strlen(name));
    printable(first, first_name, strlen(first_name));
    snprintf(out, cap, "district %s is named \"%s\" here but \"%s\" on line %d", district_code, q,
             first, first_line);
}

/* ---- the registry in memory: the checks across rows through hash tables ---------------- */

/* Appends a school and indexes it. Returns 0, or -1 when memory ran out (the registry then
 * does not own the school's strings). */
static int add_school(struct xf_registry *reg, const struct xf_school *school, int line)
{
    if (reg->nschools == reg->cap) {
        int cap = reg->cap == 0 ? 64 : reg->cap * 2;
        struct xf_school *schools = realloc(reg->schools, (size_t)cap * sizeof *schools);
        if (schools == NULL)
            return -1;
        reg->schools = schools;
        int *lines = realloc(reg->lines, (size_t)cap * sizeof *lines);
        if (lines == NULL)
            return -1;
        reg->lines = lines;
        reg->cap = cap;
    }
    if (index_reserve(&reg->by_code, reg, school_key) != 0)
        return -1;
    reg->schools[reg->nschools] = *school;
    reg->lines[reg->nschools] = line;
    index_insert(&reg->by_code, reg, school_key, reg->nschools);
    reg->nschools++;
    return 0;
}

/* Remembers a district's name (borrowed from its first school). Returns 0, or -1 on no memory. */
static int add_district(struct xf_registry *reg, const char *code, char *name, int line)
{
    if (reg->ndistricts == reg->district_cap) {
        int cap = reg->district_cap == 0 ? 16 : reg->district_cap * 2;
        struct district *d = realloc(reg->districts, (size_t)cap * sizeof *d);
        if (d == NULL)
            return -1;
        reg->districts = d;
        reg->district_cap = cap;
    }
    if (index_reserve(&reg->by_district, reg, district_key) != 0)
        return -1;
    struct district *d = &reg->districts[reg->ndistricts];
    memcpy(d->code, code, XF_DISTRICT_CODE_LEN + 1);
    d->name = name;
    d->line = line;
    index_insert(&reg->by_district, reg, district_key, reg->ndistricts);
    reg->ndistricts++;
    return 0;
}

/* What building a registry in memory needs beside the parser. */
struct builder {
    struct xf_registry *reg;
    struct parser *p; /* for the reports of the checks across rows */
};

/* A row that passed its own checks: checked against the rows before it, then added.
 * Returns 0 (added or reported), or -1 when memory ran out. */
static int take_row(const struct xf_school *row, int line, void *ctx)
{
    struct builder *b = ctx;
    struct xf_registry *reg = b->reg;
    char message[512];
    int dup = index_find(&reg->by_code, reg, school_key, row->school_code);
    if (dup >= 0) {
        xf_registry_duplicate_message(message, sizeof message, row->school_code, reg->lines[dup]);
        report(b->p, line, "%s", message);
        return 0;
    }
    int d = index_find(&reg->by_district, reg, district_key, row->district_code);
    if (d >= 0 && strcmp(reg->districts[d].name, row->district_name) != 0) {
        xf_registry_district_message(message, sizeof message, row->district_code,
                                     row->district_name, reg->districts[d].name,
                                     reg->districts[d].line);
        report(b->p, line, "%s", message);
        return 0;
    }
    struct xf_school school = *row;
    school.school_name = strdup(row->school_name);
    school.district_name = strdup(row->district_name);
    if (school.school_name == NULL || school.district_name == NULL) {
        free(school.school_name);
        free(school.district_name);
        return -1;
    }
    if (add_school(reg, &school, line) != 0) {
        free(school.school_name);
        free(school.district_name);
        return -1;
    }
    if (d < 0 && add_district(reg, school.district_code, school.district_name, line) != 0)
        return -1;
    return 0;
}

struct xf_registry *xf_registry_parse(const char *data, size_t len,
                                      void (*report_fn)(int line, const char *message, void *ctx),
                                      void *ctx)
{
    struct parser p = {.data = data,
                       .len = data != NULL ? len : 0,
                       .line = 1,
                       .report = report_fn,
                       .ctx = ctx,
                       .eof = true};
    if (p.len > REGISTRY_MAX_BYTES) {
        report(&p, 0, "the registry is larger than %zu MiB", REGISTRY_MAX_BYTES >> 20);
        return NULL;
    }
    struct xf_registry *reg = calloc(1, sizeof *reg);
    if (reg == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    struct builder b = {reg, &p};
    int rc = scan(&p, take_row, &b);
    if (rc != 0) {
        xf_registry_free(reg);
        if (rc < 0)
            errno = ENOMEM;
        return NULL;
    }
    /* the district table only served the checks while reading */
    free(reg->districts);
    free(reg->by_district.slots);
    reg->districts = NULL;
    reg->by_district = (struct index){NULL, 0, 0};
    reg->ndistricts = 0;
    reg->district_cap = 0;
    return reg;
}

struct xf_registry *xf_registry_read(const char *path,
                                     void (*report_fn)(int line, const char *message, void *ctx),
                                     void *ctx)
{
    size_t len = 0;
    char *data = util_read_file(path, REGISTRY_MAX_BYTES, &len);
    if (data == NULL)
        return NULL;
    struct xf_registry *reg = xf_registry_parse(data, len, report_fn, ctx);
    int saved = errno;
    free(data);
    errno = saved;
    return reg;
}

const struct xf_school *xf_registry_find(const struct xf_registry *reg, const char *school_code)
{
    if (reg == NULL || school_code == NULL)
        return NULL;
    int i = index_find(&reg->by_code, reg, school_key, school_code);
    return i >= 0 ? &reg->schools[i] : NULL;
}

int xf_registry_count(const struct xf_registry *reg)
{
    return reg != NULL ? reg->nschools : 0;
}

const struct xf_school *xf_registry_at(const struct xf_registry *reg, int i)
{
    if (reg == NULL || i < 0 || i >= reg->nschools)
        return NULL;
    return &reg->schools[i];
}

void xf_registry_free(struct xf_registry *reg)
{
    if (reg == NULL)
        return;
    for (int i = 0; i < reg->nschools; i++) {
        free(reg->schools[i].school_name);
        free(reg->schools[i].district_name);
    }
    free(reg->schools);
    free(reg->lines);
    free(reg->by_code.slots);
    free(reg->districts);
    free(reg->by_district.slots);
    free(reg);
}
