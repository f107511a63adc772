/* xform_extract_norm.c - a summary's text normalised for matching, every byte traced back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "transform/xform_extract_int.h"

struct ncp {
    int32_t cp;
    uint32_t orig; /* character index in the input */
};

struct cpvec {
    struct ncp *v;
    size_t n, cap;
};

static int cp_push(struct cpvec *c, int32_t cp, uint32_t orig)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        struct ncp *v = realloc(c->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n].cp = cp;
    c->v[c->n].orig = orig;
    c->n++;
    return 0;
}

static bool is_space(int32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\f' || cp == '\v';
}

static bool is_ascii_alnum(int32_t cp)
{
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
}

static bool is_cjk(int32_t cp)
{
    return cp >= 0x3400;
}

/* Characters that separate the cells of a table pasted as text. */
static bool is_cell_sep(int32_t cp)
{
    return cp == '\t' || cp == '|' || cp == 0x2502 || cp == 0x2503;
}

/* Appends cp to one line of normalised code points: NFKC (full-width digits and
 * punctuation become ASCII, ideographic space a space), except that circled numbers, which
 * NFKC would turn into digits glued to the next figure, become a list comma. */
static int push_normalised(struct cpvec *line, int32_t cp, uint32_t orig)
{
    if ((cp >= 0x2460 && cp <= 0x24ff) || (cp >= 0x2776 && cp <= 0x2793) ||
        (cp >= 0x3251 && cp <= 0x325f) || (cp >= 0x32b1 && cp <= 0x32bf))
        return cp_push(line, 0x3001, orig);
    /* the template's fill-in brackets, "[65]人次" */
    if (cp == '[' || cp == ']' || cp == 0xff3b || cp == 0xff3d)
        return 0;
    if (cp < 0x80 || (cp >= 0x4e00 && cp <= 0x9fff))
        return cp_push(line, cp, orig);
    utf8proc_int32_t tmp[18];
    int bound = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char(
        cp, tmp, 16, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_STABLE, &bound);
    if (n <= 0 || n > 16)
        return cp_push(line, cp, orig);
    n = utf8proc_normalize_utf32(tmp, n, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
    if (n <= 0)
        return cp_push(line, cp, orig);
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        int32_t c = tmp[i];
        if (c == 0xa0)
            c = ' ';
        if (cp_push(line, c, orig) != 0)
            return -1;
    }
    return 0;
}

static int emit_cp(struct xf_norm *nt, int32_t cp, uint32_t orig)
{
    utf8proc_uint8_t u[4];
    utf8proc_ssize_t n = utf8proc_encode_char(cp, u);
    if (n <= 0)
        return 0;
    if (buf_append(&nt->text, u, (size_t)n) != 0)
        return -1;
    if (nt->text.len > nt->pos_cap) {
        size_t cap = nt->pos_cap ? nt->pos_cap * 2 : 4096;
        while (cap < nt->text.len)
            cap *= 2;
        uint32_t *p = realloc(nt->pos, cap * sizeof *p);
        if (p == NULL)
            return -1;
        nt->pos = p;
        nt->pos_cap = cap;
    }
    for (utf8proc_ssize_t i = 0; i < n; i++)
        nt->pos[nt->text.len - (size_t)n + (size_t)i] = orig;
    return 0;
}

/* A cell of a table row: [s, e) in the line's code points. */
struct cell {
    size_t s, e;
    bool label, value;
};
#define MAX_CELLS 32

static int cell_text(const struct ncp *v, size_t s, size_t e, buf *out)
{
    buf_reset(out);
    for (size_t i = s; i < e; i++) {
        if (is_space(v[i].cp))
            continue;
        utf8proc_uint8_t u[4];
        utf8proc_ssize_t n = utf8proc_encode_char(v[i].cp, u);
        if (n > 0 && buf_append(out, u, (size_t)n) != 0)
            return -1;
    }
    if (out->data == NULL && buf_reserve(out, 1) != 0)
        return -1;
    return 0;
}

/*
 * Splits a line into cells when it is a table row pasted as text: cells apart by tabs, bars
 * or two spaces and more, every cell a label (Chinese words, no Arabic digits) or a value
 * (a numeral and perhaps a unit), a value after a label somewhere. A line of prose that
 * happens to hold two spaces is no table. Returns the number of cells, 0 when not a row,
 * -1 on memory.
 */
static int table_cells(const struct xf_patterns *pt, const struct ncp *v, size_t n,
                       struct cell *cells, buf *tmp)
{
    int nc = 0;
    size_t i = 0;
    bool wide_sep = false;
    while (i < n) {
        while (i < n && (is_space(v[i].cp) || is_cell_sep(v[i].cp)))
            i++;
        if (i >= n)
            break;
        size_t s = i, e = i;
        while (i < n) {
            if (is_cell_sep(v[i].cp)) {
                wide_sep = true;
                break;
            }
            if (v[i].cp == ' ' && i + 1 < n && is_space(v[i + 1].cp)) {
                wide_sep = true;
                break;
            }
            if (!is_space(v[i].cp))
                e = i + 1;
            i++;
        }
        if (nc == MAX_CELLS)
            return 0;
        cells[nc].s = s;
        cells[nc].e = e;
        nc++;
    }
    if (!wide_sep) {
        /* "专职心理教师 2": one label, one space, one value, nothing else */
        if (nc != 1)
            return 0;
        size_t sp = n;
        for (size_t k = cells[0].s; k < cells[0].e; k++) {
            if (is_space(v[k].cp)) {
                if (sp != n)
                    return 0;
                sp = k;
            }
        }
        if (sp == n)
            return 0;
        cells[1].s = sp + 1;
        cells[1].e = cells[0].e;
        cells[0].e = sp;
        nc = 2;
    }
    if (nc < 2)
        return 0;
    bool pair = false;
    for (int c = 0; c < nc; c++) {
        bool digits = false, cjk = false;
        for (size_t k = cells[c].s; k < cells[c].e; k++) {
            int32_t cp = v[k].cp;
            if (cp >= '0' && cp <= '9')
                digits = true;
            if (is_cjk(cp))
                cjk = true;
            if (cp == 0x3002 || cp == '!' || cp == '?' || cp == ';')
                return 0;
        }
        if (cell_text(v, cells[c].s, cells[c].e, tmp) != 0)
            return -1;
        cells[c].value = xf_pattern_full_match(pt->value_cell, tmp->data, tmp->len);
        cells[c].label = !cells[c].value && cjk && !digits;
        if (!cells[c].value && !cells[c].label)
            return 0;
        if (c > 0 && cells[c].value && cells[c - 1].label)
            pair = true;
    }
    return pair ? nc : 0;
}

/* Emits code points [s, e) of a line: runs of spaces dropped except between two ASCII
 * letters or digits ("专 职 心 理 教 师 2 名" is OCR spacing; "2 35" stays two numbers). */
static int emit_span(struct xf_norm *nt, const struct ncp *v, size_t s, size_t e, bool ocr)
{
    bool pending = false;
    int32_t last = 0;
    for (size_t i = s; i < e; i++) {
        if (is_space(v[i].cp)) {
            pending = true;
            continue;
        }
        if (pending && !ocr && is_ascii_alnum(last) && is_ascii_alnum(v[i].cp) &&
            emit_cp(nt, ' ', v[i].orig) != 0)
            return -1;
        pending = false;
        last = v[i].cp;
        if (emit_cp(nt, v[i].cp, v[i].orig) != 0)
            return -1;
    }
    return 0;
}

static bool ends_sentence(int32_t cp)
{
    return cp == 0x3002 || cp == '!' || cp == '?' || cp == ';' || cp == ':' || cp == 0x2026;
}

/* Is the line [s, e) spaced out character by character, as OCR writes "共 接 待 6 5 人 次"?
 * Then its spaces say nothing, not even between two digits. */
static bool ocr_spaced(const struct ncp *v, size_t s, size_t e)
{
    size_t chars = 0, spaced = 0;
    for (size_t i = s; i < e; i++) {
        if (is_space(v[i].cp))
            continue;
        chars++;
        if (i + 2 < e && v[i + 1].cp == ' ' && !is_space(v[i + 2].cp))
            spaced++;
    }
    return chars >= 8 && spaced * 10 >= chars * 8;
}

/* Does the line [s, e) start like a heading or list item ("一、", "(二)", "3.", "-")? */
static bool starts_item(const struct ncp *v, size_t s, size_t e)
{
    if (s >= e)
        return true;
    int32_t c = v[s].cp;
    if (c == '-' || c == '*' || c == 0x2022 || c == 0x00b7 || c == '(' || c == 0x3010 ||
        c == 0x7b2c /* 第 */)
        return true;
    size_t i = s;
    while (i < e && v[i].cp >= '0' && v[i].cp <= '9')
        i++;
    if (i > s && i < e && (v[i].cp == '.' || v[i].cp == 0x3001) &&
        !(i + 1 < e && v[i + 1].cp >= '0' && v[i + 1].cp <= '9'))
        return true;
    /* Chinese numeral and 、 */
    i = s;
    static const int32_t zh[] = {0x4e00, 0x4e8c, 0x4e09, 0x56db, 0x4e94,
                                 0x516d, 0x4e03, 0x516b, 0x4e5d, 0x5341};
    while (i < e && i < s + 3) {
        bool d = false;
        for (size_t k = 0; k < sizeof zh / sizeof zh[0]; k++)
            d = d || v[i].cp == zh[k];
        if (!d)
            break;
        i++;
    }
    return i > s && i < e && v[i].cp == 0x3001;
}

int xf_norm_build(const struct xf_patterns *pt, const char *in, size_t len, struct xf_norm *nt)
{
    memset(nt, 0, sizeof *nt);
    struct cpvec all = {0};
    size_t *line_first = NULL; /* per line: first index in all */
    size_t nlines = 0, lines_cap = 0;
    buf tmp = BUF_INIT;
    int rc = -1;

    uint32_t orig = 0;
    size_t i = 0;
    size_t line_start_orig_cap = 0;
    /* line starts in input characters, for line and column of a figure */
    if (buf_reserve(&nt->text, len + 16) != 0)
        goto out;
    for (;;) {
        if (nlines == lines_cap) {
            size_t cap = lines_cap ? lines_cap * 2 : 256;
            size_t *p = realloc(line_first, cap * sizeof *p);
            uint32_t *q = realloc(nt->line_orig, cap * sizeof *q);
            if (p != NULL)
                line_first = p;
            if (q != NULL)
                nt->line_orig = q;
            if (p == NULL || q == NULL)
                goto out;
            lines_cap = cap;
            line_start_orig_cap = cap;
        }
        line_first[nlines] = all.n;
        nt->line_orig[nlines] = orig;
        nlines++;
        while (i < len && in[i] != '\n') {
            utf8proc_int32_t cp;
            utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)in + i,
                                                  (utf8proc_ssize_t)(len - i), &cp);
            if (k <= 0) {
                cp = 0xfffd;
                k = 1;
            }
            i += (size_t)k;
            if (cp != '\r' && push_normalised(&all, cp, orig) != 0)
                goto out;
            orig++;
        }
        if (i >= len)
            break;
        i++; /* the '\n' */
        orig++;
    }
    (void)line_start_orig_cap;
    nt->nlines = nlines;

    struct cell cells[MAX_CELLS];
    for (size_t l = 0; l < nlines; l++) {
        size_t s = line_first[l], e = l + 1 < nlines ? line_first[l + 1] : all.n;
        while (s < e && is_space(all.v[s].cp))
            s++;
        while (e > s && is_space(all.v[e - 1].cp))
            e--;
        uint32_t eol = e < all.n ? all.v[e].orig : orig;
        if (s == e) {
            if (emit_cp(nt, '\n', eol) != 0)
                goto out;
            continue;
        }
        int nc = table_cells(pt, all.v + s, e - s, cells, &tmp);
        if (nc < 0)
            goto out;
        if (nc > 0) {
            for (int c = 0; c < nc; c++) {
                /* a value cell is one numeral: its spaces are OCR's */
                if (emit_span(nt, all.v + s, cells[c].s, cells[c].e, cells[c].value) != 0)
                    goto out;
                bool joins = cells[c].label && c + 1 < nc && cells[c + 1].value;
                /* "2 | 名": the unit in a cell of its own belongs to the value */
                bool unit_next = false;
                if (cells[c].value && c + 1 < nc && cells[c + 1].label) {
                    if (cell_text(all.v + s, cells[c + 1].s, cells[c + 1].e, &tmp) != 0)
                        goto out;
                    unit_next = xf_pattern_full_match(pt->unit_cell, tmp.data, tmp.len);
                }
                if (unit_next)
                    continue;
                uint32_t at = all.v[s + cells[c].e - 1].orig;
                if (emit_cp(nt, joins ? ':' : ';', at) != 0)
                    goto out;
            }
            if (emit_cp(nt, '\n', eol) != 0)
                goto out;
            continue;
        }
        if (emit_span(nt, all.v, s, e, ocr_spaced(all.v, s, e)) != 0)
            goto out;
        /* a line broken inside a sentence (a hard wrap, OCR) joins the next one */
        bool join = false;
        if (l + 1 < nlines && e - s >= 16 && !ends_sentence(all.v[e - 1].cp) &&
            !starts_item(all.v, s, e)) {
            size_t ns = line_first[l + 1], ne = l + 2 < nlines ? line_first[l + 2] : all.n;
            while (ns < ne && is_space(all.v[ns].cp))
                ns++;
            if (ns < ne && !starts_item(all.v, ns, ne) &&
                table_cells(pt, all.v + ns, ne - ns, cells, &tmp) == 0)
                join = true;
        }
        if (!join && emit_cp(nt, '\n', eol) != 0)
            goto out;
    }
    rc = 0;
out:
    free(all.v);
    free(line_first);
    buf_free(&tmp);
    if (rc != 0)
        xf_norm_free(nt);
    return rc;
}

void xf_norm_free(struct xf_norm *nt)
{
    buf_free(&nt->text);
    free(nt->pos);
    free(nt->line_orig);
    memset(nt, 0, sizeof *nt);
}

void xf_norm_where(const struct xf_norm *nt, size_t byte, int *line, int *column)
{
    uint32_t o =
        byte < nt->text.len ? nt->pos[byte] : (nt->text.len ? nt->pos[nt->text.len - 1] : 0);
    size_t lo = 0, hi = nt->nlines;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (nt->line_orig[mid] <= o)
            lo = mid;
        else
            hi = mid;
    }
    *line = (int)lo + 1;
    *column = (int)(o - (nt->nlines ? nt->line_orig[lo] : 0)) + 1;
}
