/* xform_xlsx.c - streaming .xlsx reading with ingest_zip (libminizip) and expat, bounded. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "common/buf.h"
#include "common/util.h"
#include "transform/xform_xlsx.h"

#define NS_SEP '|'
#define XLSX_PATH_MAX 512
#define MAX_COL 16384u   /* XFD */
#define MAX_ROW 1048576u /* Excel's grid */

enum style_kind { STYLE_PLAIN = 0, STYLE_DATE = 1, STYLE_TEXT = 2 };

struct sheet_info {
    char *name;
    char *path; /* zip part name */
    bool hidden;
};

struct rel {
    char *id;
    char *type; /* the last segment of the relationship type: "worksheet", "styles", ... */
    char *path; /* resolved zip part name */
};

struct xf_xlsx {
    struct ingest_zip *zip;
    struct xf_xlsx_limits lim;
    char workbook_path[XLSX_PATH_MAX];
    struct rel *rels;
    size_t nrels, rels_cap;
    struct sheet_info *sheets;
    size_t nsheets, sheets_cap;
    unsigned char *styles; /* enum style_kind per cellXfs index */
    size_t nstyles, styles_cap;
    buf sst_text;    /* every shared string, each followed by a NUL */
    size_t *sst_off; /* start of string i in sst_text */
    size_t nsst, sst_cap;
};

void xf_xlsx_default_limits(struct xf_xlsx_limits *lim)
{
    lim->zip.max_parts = INGEST_ZIP_DEFAULT_MAX_PARTS;
    lim->zip.max_part_bytes = INGEST_ZIP_DEFAULT_MAX_PART_BYTES;
    lim->zip.max_total_bytes = INGEST_ZIP_DEFAULT_MAX_TOTAL_BYTES;
    lim->max_sheets = 256;
    lim->max_rows = 100000;
    lim->max_cells = 2000000;
    lim->max_cell_bytes = 128u * 1024;
    lim->max_shared_strings = 1000000;
    lim->max_shared_bytes = 32u * 1024 * 1024;
    lim->max_meta_bytes = 8u * 1024 * 1024;
}

const char *xf_xlsx_status_name(int status)
{
    switch (status) {
    case XF_XLSX_NOMEM:
        return "out_of_memory";
    case XF_XLSX_OK:
        return "ok";
    case XF_XLSX_LEGACY_XLS:
        return "legacy_xls";
    case XF_XLSX_ENCRYPTED:
        return "encrypted";
    case XF_XLSX_MACRO:
        return "macro_enabled";
    case XF_XLSX_NOT_ZIP:
        return "not_xlsx";
    case XF_XLSX_CORRUPT:
        return "corrupt";
    case XF_XLSX_NOT_WORKBOOK:
        return "not_workbook";
    case XF_XLSX_DTD:
        return "xml_doctype";
    case XF_XLSX_TOO_LARGE:
        return "too_large";
    case XF_XLSX_STOPPED:
        return "stopped";
    default:
        return "unknown";
    }
}

const char *xf_xlsx_reason_zh(int status)
{
    switch (status) {
    case XF_XLSX_LEGACY_XLS:
        return "这是旧版 Excel 97-2003 工作簿 (.xls)，无法读取：请在 Excel 或 WPS "
               "中打开，选择“另存为”，保存类型选“Excel 工作簿 (.xlsx)”后重新提交";
    case XF_XLSX_ENCRYPTED:
        return "工作簿设置了打开密码（已加密），无法读取：请取消密码保护后另存为 .xlsx 重新提交";
    case XF_XLSX_MACRO:
        return "这是启用宏的工作簿 (.xlsm)，出于安全不予读取：请另存为不含宏的“Excel 工作簿 "
               "(.xlsx)”后重新提交";
    case XF_XLSX_NOT_ZIP:
        return "文件不是 Excel 工作簿 (.xlsx)：请用局下发的模板填写，另存为 .xlsx 后重新提交";
    case XF_XLSX_CORRUPT:
        return "工作簿文件已损坏或不完整，无法读取：请重新从 Excel 另存为 .xlsx 后再次提交";
    case XF_XLSX_NOT_WORKBOOK:
        return "文件中没有 Excel 工作表（可能是 Word 文档或普通压缩包）：请用局下发的 .xlsx "
               "模板填写后提交";
    case XF_XLSX_DTD:
        return "工作簿中含有不允许的 XML 文档类型声明 (DOCTYPE)，不予读取：请在 Excel "
               "中另存为 .xlsx 后重新提交";
    case XF_XLSX_TOO_LARGE:
        return "工作簿超出读取上限（文件、工作表行数或单元格过多）：请只在模板中填写，"
               "删除多余的行和工作表后重新提交";
    case XF_XLSX_NOMEM:
        return "读取工作簿时内存不足，请稍后重试";
    default:
        return "工作簿无法读取：请用局下发的模板填写，另存为 .xlsx 后重新提交";
    }
}

void xf_xlsx_cell_ref(uint32_t col, uint32_t row, char out[16])
{
    char letters[4];
    int n = 0;
    uint32_t c = col;
    while (c > 0 && n < 3) {
        c--;
        letters[n++] = (char)('A' + c % 26);
        c /= 26;
    }
    char *p = out;
    while (n > 0)
        *p++ = letters[--n];
    (void)snprintf(p, (size_t)(16 - (p - out)), "%u", row);
}

int xf_xlsx_parse_ref(const char *ref, uint32_t *col, uint32_t *row)
{
    uint32_t c = 0, r = 0;
    const char *p = ref;
    int letters = 0;
    while (*p >= 'A' && *p <= 'Z') {
        if (++letters > 3)
            return -1;
        c = c * 26 + (uint32_t)(*p - 'A' + 1);
        p++;
    }
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
        if (++digits > 7 || (digits == 1 && *p == '0'))
            return -1;
        r = r * 10 + (uint32_t)(*p - '0');
        p++;
    }
    if (*p != '\0' || letters == 0 || digits == 0 || c > MAX_COL || r > MAX_ROW)
        return -1;
    *col = c;
    *row = r;
    return 0;
}

/* ---- expat plumbing shared by every part ---- */

/* The first member of every parse state, so the shared handlers find it. */
struct xml_run {
    XML_Parser p;
    int status; /* XF_XLSX_OK until a handler or the parser fails */
    char *err;
    size_t errlen;
    const char *part;
    size_t cap; /* bytes of XML accepted (0: the zip caps only) */
    size_t seen;
};

static const char *local_name(const char *name)
{
    const char *s = strrchr(name, NS_SEP);
    return s != NULL ? s + 1 : name;
}

/* The value of the attribute whose local name is lname, or NULL. */
static const char *attr(const XML_Char **atts, const char *lname)
{
    for (size_t i = 0; atts[i] != NULL; i += 2)
        if (strcmp(local_name(atts[i]), lname) == 0)
            return atts[i + 1];
    return NULL;
}

static void run_fail(struct xml_run *run, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the first failure and stops the parser; later failures keep the first reason. */
static void run_fail(struct xml_run *run, int status, const char *fmt, ...)
{
    if (run->status == XF_XLSX_OK) {
        run->status = status;
        if (run->err != NULL && run->errlen > 0) {
            va_list ap;
            va_start(ap, fmt);
            (void)vsnprintf(run->err, run->errlen, fmt, ap);
            va_end(ap);
        }
    }
    (void)XML_StopParser(run->p, XML_FALSE);
}

/* A DOCTYPE is where entity expansion starts: no Office part has one, so none is read. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    struct xml_run *run = ud;
    run_fail(run, XF_XLSX_DTD, "part %s has a DOCTYPE declaration (refused)", run->part);
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param,
                                   const XML_Char *value, int value_len, const XML_Char *base,
                                   const XML_Char *sysid, const XML_Char *pubid,
                                   const XML_Char *notation)
{
    (void)name;
    (void)is_param;
    (void)value;
    (void)value_len;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    struct xml_run *run = ud;
    run_fail(run, XF_XLSX_DTD, "part %s declares an XML entity (refused)", run->part);
}

/* Creates run->p with the refusals installed; ud's first member is run. Returns 0 or -1. */
static int run_begin(struct xml_run *run, void *ud, const char *part, char *err, size_t errlen)
{
    memset(run, 0, sizeof *run);
    run->part = part;
    run->err = err;
    run->errlen = errlen;
    run->p = XML_ParserCreateNS(NULL, NS_SEP);
    if (run->p == NULL)
        return -1;
    XML_SetUserData(run->p, ud);
    XML_SetStartDoctypeDeclHandler(run->p, on_doctype);
    XML_SetEntityDeclHandler(run->p, on_entity_decl);
    (void)XML_SetParamEntityParsing(run->p, XML_PARAM_ENTITY_PARSING_NEVER);
    return 0;
}

static void run_end(struct xml_run *run)
{
    if (run->p != NULL)
        XML_ParserFree(run->p);
    run->p = NULL;
}

/* Feeds bytes to the parser. Returns 0, or -1 with run->status set. */
static int run_feed(struct xml_run *run, const unsigned char *data, size_t len, bool final)
{
    if (run->cap > 0 && len > run->cap - run->seen) {
        run_fail(run, XF_XLSX_TOO_LARGE, "part %s is larger than %zu bytes", run->part, run->cap);
        return -1;
    }
    run->seen += len;
    if (XML_Parse(run->p, (const char *)data, (int)len, final) != XML_STATUS_OK) {
        if (run->status == XF_XLSX_OK) {
            enum XML_Error code = XML_GetErrorCode(run->p);
            int st = XF_XLSX_CORRUPT;
            if (code == XML_ERROR_NO_MEMORY)
                st = XF_XLSX_NOMEM;
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 4)
            else if (code == XML_ERROR_AMPLIFICATION_LIMIT_BREACH)
                st = XF_XLSX_DTD;
#endif
            run->status = st;
            util_set_err(run->err, run->errlen, "part %s is not well-formed XML: %s (line %lu)",
                         run->part, XML_ErrorString(code),
                         (unsigned long)XML_GetCurrentLineNumber(run->p));
        }
        return -1;
    }
    return 0;
}

static int feed_chunk(const unsigned char *data, size_t len, void *ctx)
{
    return run_feed(ctx, data, len, false) != 0;
}

static int zip_status_to_xlsx(int zst)
{
    switch (zst) {
    case INGEST_ZIP_OK:
        return XF_XLSX_OK;
    case INGEST_ZIP_NOMEM:
        return XF_XLSX_NOMEM;
    case INGEST_ZIP_ENCRYPTED:
        return XF_XLSX_ENCRYPTED;
    case INGEST_ZIP_TOO_MANY:
    case INGEST_ZIP_TOO_LARGE:
        return XF_XLSX_TOO_LARGE;
    case INGEST_ZIP_MISSING:
        return XF_XLSX_NOT_WORKBOOK;
    default:
        return XF_XLSX_CORRUPT;
    }
}

/*
 * Streams the zip part through the parser in run (handlers already set). Returns
 * XF_XLSX_OK or the refusal, with err set. The parser is freed either way.
 */
static int run_part(struct xf_xlsx *x, struct xml_run *run)
{
    char zerr[256] = "";
    int zst = ingest_zip_stream(x->zip, run->part, feed_chunk, run, zerr, sizeof zerr);
    int st;
    if (zst == INGEST_ZIP_STOPPED) {
        st = run->status; /* the parser or a handler refused; its reason is in err */
    } else if (zst != INGEST_ZIP_OK) {
        st = zip_status_to_xlsx(zst);
        util_set_err(run->err, run->errlen, "%s", zerr);
    } else if (run->status != XF_XLSX_OK) {
        st = run->status; /* a handler failed on the very last piece */
    } else if (run_feed(run, NULL, 0, true) != 0) {
        st = run->status;
    } else {
        st = XF_XLSX_OK;
    }
    run_end(run);
    return st;
}

/* Resolves target (relative to the directory of source, or absolute from the root) into
 * out. Returns 0, or -1 when it does not fit or climbs above the root. */
static int resolve_target(const char *source, const char *target, char *out, size_t outlen)
{
    char tmp[XLSX_PATH_MAX];
    if (target[0] == '/') {
        if (snprintf(tmp, sizeof tmp, "%s", target + 1) >= (int)sizeof tmp)
            return -1;
    } else {
        const char *slash = strrchr(source, '/');
        int dir = slash != NULL ? (int)(slash - source + 1) : 0;
        if (snprintf(tmp, sizeof tmp, "%.*s%s", dir, source, target) >= (int)sizeof tmp)
            return -1;
    }
    /* fold "x/../" and "./" segments */
    size_t o = 0;
    const char *p = tmp;
    while (*p != '\0') {
        const char *end = strchr(p, '/');
        size_t seg = end != NULL ? (size_t)(end - p) : strlen(p);
        if (seg == 1 && p[0] == '.') {
            /* nothing */
        } else if (seg == 2 && p[0] == '.' && p[1] == '.') {
            if (o == 0)
                return -1;
            o--; /* the '/' after the previous segment */
            while (o > 0 && out[o - 1] != '/')
                o--;
        } else if (seg > 0) {
            if (o + seg + 2 > outlen)
                return -1;
            memcpy(out + o, p, seg);
            o += seg;
            if (end != NULL)
                out[o++] = '/';
        }
        p = end != NULL ? end + 1 : p + seg;
    }
    if (o == 0)
        return -1;
    out[o] = '\0';
    return 0;
}

/* ---- [Content_Types].xml ---- */

struct ct_state {
    struct xml_run run;
    bool macro;
    bool found_workbook;
    char workbook[XLSX_PATH_MAX];
};

static void XMLCALL ct_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct ct_state *st = ud;
    const char *ln = local_name(name);
    if (strcmp(ln, "Override") != 0 && strcmp(ln, "Default") != 0)
        return;
    const char *ct = attr(atts, "ContentType");
    if (ct == NULL)
        return;
    if (strstr(ct, "macroEnabled") != NULL || strstr(ct, "vbaProject") != NULL)
        st->macro = true;
    const char *part = attr(atts, "PartName");
    if (part == NULL || strcmp(ln, "Override") != 0)
        return;
    if (strcmp(ct, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml") ==
            0 ||
        strcmp(ct,
               "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml") ==
            0) {
        st->found_workbook =
            resolve_target("", part, st->workbook, sizeof st->workbook) == 0 || st->found_workbook;
    }
}

/* ---- relationships of the workbook ---- */

struct rels_state {
    struct xml_run run;
    struct xf_xlsx *x;
};

static char *dup_or_fail(struct xml_run *run, const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        run_fail(run, XF_XLSX_NOMEM, "out of memory");
    return d;
}

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct rels_state *st = ud;
    struct xf_xlsx *x = st->x;
    if (strcmp(local_name(name), "Relationship") != 0)
        return;
    const char *id = attr(atts, "Id"), *type = attr(atts, "Type"), *target = attr(atts, "Target");
    const char *mode = attr(atts, "TargetMode");
    if (id == NULL || type == NULL || target == NULL)
        return;
    if (mode != NULL && strcmp(mode, "External") == 0)
        return;
    char path[XLSX_PATH_MAX];
    if (resolve_target(x->workbook_path, target, path, sizeof path) != 0)
        return; /* a target outside the package is no part of it */
    if (x->nrels == x->rels_cap) {
        if (x->nrels >= x->lim.zip.max_parts + 16) {
            run_fail(&st->run, XF_XLSX_TOO_LARGE, "part %s has too many relationships",
                     st->run.part);
            return;
        }
        size_t cap = x->rels_cap ? x->rels_cap * 2 : 16;
        struct rel *r = realloc(x->rels, cap * sizeof *r);
        if (r == NULL) {
            run_fail(&st->run, XF_XLSX_NOMEM, "out of memory");
            return;
        }
        x->rels = r;
        x->rels_cap = cap;
    }
    const char *slash = strrchr(type, '/');
    struct rel *r = &x->rels[x->nrels];
    r->id = dup_or_fail(&st->run, id);
    r->type = dup_or_fail(&st->run, slash != NULL ? slash + 1 : type);
    r->path = dup_or_fail(&st->run, path);
    x->nrels++; /* freed by xf_xlsx_close even when one strdup failed */
}

static const struct rel *rel_by_id(const struct xf_xlsx *x, const char *id)
{
    for (size_t i = 0; i < x->nrels; i++)
        if (x->rels[i].id != NULL && strcmp(x->rels[i].id, id) == 0)
            return &x->rels[i];
    return NULL;
}

static const struct rel *rel_by_type(const struct xf_xlsx *x, const char *type)
{
    for (size_t i = 0; i < x->nrels; i++)
        if (x->rels[i].type != NULL && strcmp(x->rels[i].type, type) == 0)
            return &x->rels[i];
    return NULL;
}

/* ---- workbook.xml: the sheets ---- */

struct wb_state {
    struct xml_run run;
    struct xf_xlsx *x;
};

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct wb_state *st = ud;
    struct xf_xlsx *x = st->x;
    if (strcmp(local_name(name), "sheet") != 0)
        return;
    const char *sheet_name = attr(atts, "name"), *state = attr(atts, "state");
    const char *rid = attr(atts, "id"); /* r:id, in the relationships namespace */
    if (sheet_name == NULL || rid == NULL) {
        run_fail(&st->run, XF_XLSX_CORRUPT, "part %s lists a sheet without a name or id",
                 st->run.part);
        return;
    }
    const struct rel *r = rel_by_id(x, rid);
    if (r == NULL) {
        /* chart sheets and dialogs have no worksheet part: they hold no cells to read */
        return;
    }
    if (x->nsheets == x->lim.max_sheets) {
        run_fail(&st->run, XF_XLSX_TOO_LARGE, "workbook has more than %zu sheets",
                 x->lim.max_sheets);
        return;
    }
    if (x->nsheets == x->sheets_cap) {
        size_t cap = x->sheets_cap ? x->sheets_cap * 2 : 8;
        struct sheet_info *s = realloc(x->sheets, cap * sizeof *s);
        if (s == NULL) {
            run_fail(&st->run, XF_XLSX_NOMEM, "out of memory");
            return;
        }
        x->sheets = s;
        x->sheets_cap = cap;
    }
    struct sheet_info *s = &x->sheets[x->nsheets++];
    s->name = dup_or_fail(&st->run, sheet_name);
    s->path = dup_or_fail(&st->run, r->path);
    s->hidden = state != NULL && strcmp(state, "visible") != 0;
}

/* ---- styles.xml: which cell styles are dates and which are text ---- */

struct fmt {
    long id;
    enum style_kind kind;
};

struct styles_state {
    struct xml_run run;
    struct xf_xlsx *x;
    struct fmt *fmts;
    size_t nfmts, fmts_cap;
    int in_cellxfs;
};

/* A custom number format is a date when it shows a date or time part outside quoted text,
 * escapes and [colour]/[condition] brackets. */
static enum style_kind custom_kind(const char *code)
{
    if (strcmp(code, "@") == 0)
        return STYLE_TEXT;
    bool quoted = false, bracket = false;
    for (const char *p = code; *p != '\0'; p++) {
        char c = *p;
        if (quoted) {
            quoted = c != '"';
        } else if (bracket) {
            bracket = c != ']';
        } else if (c == '"') {
            quoted = true;
        } else if (c == '[') {
            /* [h], [mm] and [ss] are elapsed-time parts; colours and conditions are not */
            if (p[1] == 'h' || p[1] == 'H' || p[1] == 'm' || p[1] == 'M' || p[1] == 's' ||
                p[1] == 'S')
                return STYLE_DATE;
            bracket = true;
        } else if (c == '\\' || c == '_' || c == '*') {
            if (p[1] != '\0')
                p++;
        } else if (strchr("yYmMdDhHsS", c) != NULL) {
            return STYLE_DATE;
        }
    }
    return STYLE_PLAIN;
}

static enum style_kind builtin_kind(long id)
{
    if ((id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
        (id >= 50 && id <= 58) || (id >= 71 && id <= 81))
        return STYLE_DATE;
    if (id == 49)
        return STYLE_TEXT;
    return STYLE_PLAIN;
}

static bool parse_long(const char *s, long *out)
{
    if (s == NULL)
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 0)
        return false;
    *out = v;
    return true;
}

static void XMLCALL styles_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct styles_state *st = ud;
    struct xf_xlsx *x = st->x;
    const char *ln = local_name(name);
    if (strcmp(ln, "numFmt") == 0) {
        long id;
        const char *code = attr(atts, "formatCode");
        if (!parse_long(attr(atts, "numFmtId"), &id) || code == NULL)
            return;
        if (st->nfmts == st->fmts_cap) {
            size_t cap = st->fmts_cap ? st->fmts_cap * 2 : 16;
            struct fmt *f = realloc(st->fmts, cap * sizeof *f);
            if (f == NULL) {
                run_fail(&st->run, XF_XLSX_NOMEM, "out of memory");
                return;
            }
            st->fmts = f;
            st->fmts_cap = cap;
        }
        st->fmts[st->nfmts++] = (struct fmt){id, custom_kind(code)};
    } else if (strcmp(ln, "cellXfs") == 0) {
        st->in_cellxfs++;
    } else if (strcmp(ln, "xf") == 0 && st->in_cellxfs > 0) {
        long id = 0;
        (void)parse_long(attr(atts, "numFmtId"), &id);
        enum style_kind kind = builtin_kind(id);
        /* a custom format with a built-in's number replaces it */
        for (size_t i = 0; i < st->nfmts; i++)
            if (st->fmts[i].id == id)
                kind = st->fmts[i].kind;
        if (x->nstyles == x->styles_cap) {
            size_t cap = x->styles_cap ? x->styles_cap * 2 : 64;
            unsigned char *s = realloc(x->styles, cap);
            if (s == NULL) {
                run_fail(&st->run, XF_XLSX_NOMEM, "out of memory");
                return;
            }
            x->styles = s;
            x->styles_cap = cap;
        }
        x->styles[x->nstyles++] = (unsigned char)kind;
    }
}

static void XMLCALL styles_end(void *ud, const XML_Char *name)
{
    struct styles_state *st = ud;
    if (strcmp(local_name(name), "cellXfs") == 0 && st->in_cellxfs > 0)
        st->in_cellxfs--;
}

/* ---- sharedStrings.xml ---- */

struct sst_state {
    struct xml_run run;
    struct xf_xlsx *x;
    bool in_si;
    int in_t;
    int in_rph; /* phonetic guides are not part of the text */
    size_t start;
};

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    struct sst_state *st = ud;
    struct xf_xlsx *x = st->x;
    const char *ln = local_name(name);
    if (strcmp(ln, "si") == 0) {
        if (x->nsst == x->lim.max_shared_strings) {
            run_fail(&st->run, XF_XLSX_TOO_LARGE, "workbook has more than %zu shared strings",
                     x->lim.max_shared_strings);
            return;
        }
        st->in_si = true;
        st->start = x->sst_text.len;
    } else if (strcmp(ln, "rPh") == 0) {
        st->in_rph++;
    } else if (strcmp(ln, "t") == 0 && st->in_si) {
        st->in_t++;
    }
}

static void XMLCALL sst_text(void *ud, const XML_Char *s, int len)
{
    struct sst_state *st = ud;
    struct xf_xlsx *x = st->x;
    if (!st->in_si || st->in_t == 0 || st->in_rph > 0)
        return;
    if ((size_t)len > x->lim.max_shared_bytes - x->sst_text.len) {
        run_fail(&st->run, XF_XLSX_TOO_LARGE, "shared strings exceed %zu bytes",
                 x->lim.max_shared_bytes);
        return;
    }
    if (buf_append(&x->sst_text, s, (size_t)len) != 0)
        run_fail(&st->run, XF_XLSX_NOMEM, "out of memory");
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
    struct sst_state *st = ud;
    struct xf_xlsx *x = st->x;
    const char *ln = local_name(name);
    if (strcmp(ln, "rPh") == 0 && st->in_rph > 0) {
        st->in_rph--;
    } else if (strcmp(ln, "t") == 0 && st->in_t > 0) {
        st->in_t--;
    } else if (strcmp(ln, "si") == 0 && st->in_si) {
        st->in_si = false;
        if (x->nsst == x->sst_cap) {
            size_t cap = x->sst_cap ? x->sst_cap * 2 : 256;
            size_t *o = realloc(x->sst_off, cap * sizeof *o);
            if (o == NULL) {
                run_fail(&st->run, XF_XLSX_NOMEM, "out of memory");
                return;
            }
            x->sst_off = o;
            x->sst_cap = cap;
        }
        if (buf_putc(&x->sst_text, '\0') != 0) {
            run_fail(&st->run, XF_XLSX_NOMEM, "out of memory");
            return;
        }
        x->sst_off[x->nsst++] = st->start;
    }
}

/* ---- open ---- */

static bool is_ole(const unsigned char *d, size_t len)
{
    static const unsigned char magic[8] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
    return len >= 8 && memcmp(d, magic, 8) == 0;
}

/* An encrypted Office file is an OLE file with a stream named "EncryptedPackage"; its
 * directory entries store names in UTF-16LE. */
static bool ole_has_encrypted_package(const unsigned char *d, size_t len)
{
    static const char name[] = "EncryptedPackage";
    const size_t n = sizeof name - 1;
    for (size_t i = 0; i + 2 * n <= len; i++) {
        size_t k = 0;
        while (k < n && d[i + 2 * k] == (unsigned char)name[k] && d[i + 2 * k + 1] == 0)
            k++;
        if (k == n)
            return true;
    }
    return false;
}

void xf_xlsx_close(struct xf_xlsx *x)
{
    if (x == NULL)
        return;
    ingest_zip_close(x->zip);
    for (size_t i = 0; i < x->nrels; i++) {
        free(x->rels[i].id);
        free(x->rels[i].type);
        free(x->rels[i].path);
    }
    free(x->rels);
    for (size_t i = 0; i < x->nsheets; i++) {
        free(x->sheets[i].name);
        free(x->sheets[i].path);
    }
    free(x->sheets);
    free(x->styles);
    buf_free(&x->sst_text);
    free(x->sst_off);
    free(x);
}

static int open_fail(struct xf_xlsx *x, int st)
{
    xf_xlsx_close(x);
    return st;
}

int xf_xlsx_open(const unsigned char *data, size_t len, const struct xf_xlsx_limits *lim,
                 struct xf_xlsx **out, char *err, size_t errlen)
{
    *out = NULL;
    if (is_ole(data, len)) {
        if (ole_has_encrypted_package(data, len)) {
            util_set_err(err, errlen, "an encrypted Office file (OLE EncryptedPackage)");
            return XF_XLSX_ENCRYPTED;
        }
        util_set_err(err, errlen, "a legacy Excel 97-2003 .xls file (OLE compound document)");
        return XF_XLSX_LEGACY_XLS;
    }
    if (!ingest_zip_magic(data, len)) {
        util_set_err(err, errlen, "not an .xlsx workbook (neither zip nor OLE data)");
        return XF_XLSX_NOT_ZIP;
    }
    struct xf_xlsx *x = calloc(1, sizeof *x);
    if (x == NULL)
        return XF_XLSX_NOMEM;
    if (lim != NULL)
        x->lim = *lim;
    else
        xf_xlsx_default_limits(&x->lim);

    int zst = ingest_zip_open(data, len, &x->lim.zip, &x->zip, err, errlen);
    if (zst != INGEST_ZIP_OK)
        return open_fail(x, zip_status_to_xlsx(zst));
    for (size_t i = 0; i < ingest_zip_count(x->zip); i++) {
        const char *pn = ingest_zip_part_at(x->zip, i)->name;
        size_t pl = strlen(pn);
        if (pl >= 14 && strcmp(pn + pl - 14, "vbaProject.bin") == 0) {
            /* the part's name as the zip gives it: any bytes, made readable for the reason */
            buf shown = BUF_INIT;
            util_set_err(err, errlen, "macro-enabled workbook (part %s)",
                         buf_printable_str(&shown, pn));
            buf_free(&shown);
            return open_fail(x, XF_XLSX_MACRO);
        }
    }
    if (ingest_zip_any_encrypted(x->zip)) {
        util_set_err(err, errlen, "the zip has password-protected parts");
        return open_fail(x, XF_XLSX_ENCRYPTED);
    }

    struct ct_state ct;
    if (run_begin(&ct.run, &ct, "[Content_Types].xml", err, errlen) != 0)
        return open_fail(x, XF_XLSX_NOMEM);
    ct.macro = false;
    ct.found_workbook = false;
    ct.run.cap = x->lim.max_meta_bytes;
    XML_SetStartElementHandler(ct.run.p, ct_start);
    int st = run_part(x, &ct.run);
    if (st == XF_XLSX_NOT_WORKBOOK)
        util_set_err(err, errlen, "no [Content_Types].xml: not an Office file");
    if (st != XF_XLSX_OK)
        return open_fail(x, st);
    if (ct.macro) {
        util_set_err(err, errlen, "macro-enabled workbook (content type in [Content_Types].xml)");
        return open_fail(x, XF_XLSX_MACRO);
    }
    if (!ct.found_workbook) {
        util_set_err(err, errlen, "no spreadsheet in the package (not a workbook)");
        return open_fail(x, XF_XLSX_NOT_WORKBOOK);
    }
    memcpy(x->workbook_path, ct.workbook, sizeof x->workbook_path);

    char rels_path[XLSX_PATH_MAX];
    const char *slash = strrchr(x->workbook_path, '/');
    int dir = slash != NULL ? (int)(slash - x->workbook_path + 1) : 0;
    if (snprintf(rels_path, sizeof rels_path, "%.*s_rels/%s.rels", dir, x->workbook_path,
                 x->workbook_path + dir) >= (int)sizeof rels_path)
        return open_fail(x, XF_XLSX_CORRUPT);
    struct rels_state rs = {.x = x};
    if (run_begin(&rs.run, &rs, rels_path, err, errlen) != 0)
        return open_fail(x, XF_XLSX_NOMEM);
    rs.run.cap = x->lim.max_meta_bytes;
    XML_SetStartElementHandler(rs.run.p, rels_start);
    st = run_part(x, &rs.run);
    if (st == XF_XLSX_NOT_WORKBOOK)
        st = XF_XLSX_CORRUPT; /* named in [Content_Types].xml, missing from the zip */
    if (st != XF_XLSX_OK)
        return open_fail(x, st);

    struct wb_state ws = {.x = x};
    if (run_begin(&ws.run, &ws, x->workbook_path, err, errlen) != 0)
        return open_fail(x, XF_XLSX_NOMEM);
    ws.run.cap = x->lim.max_meta_bytes;
    XML_SetStartElementHandler(ws.run.p, wb_start);
    st = run_part(x, &ws.run);
    if (st == XF_XLSX_NOT_WORKBOOK)
        st = XF_XLSX_CORRUPT;
    if (st != XF_XLSX_OK)
        return open_fail(x, st);
    for (size_t i = 0; i < x->nsheets; i++) {
        if (ingest_zip_find(x->zip, x->sheets[i].path) < 0) {
            util_set_err(err, errlen, "sheet %s names part %s, which the zip lacks",
                         x->sheets[i].name, x->sheets[i].path);
            return open_fail(x, XF_XLSX_CORRUPT);
        }
    }

    const struct rel *styles = rel_by_type(x, "styles");
    if (styles != NULL) {
        struct styles_state ss = {.x = x};
        if (run_begin(&ss.run, &ss, styles->path, err, errlen) != 0)
            return open_fail(x, XF_XLSX_NOMEM);
        ss.run.cap = x->lim.max_meta_bytes;
        XML_SetElementHandler(ss.run.p, styles_start, styles_end);
        st = run_part(x, &ss.run);
        free(ss.fmts);
        if (st == XF_XLSX_NOT_WORKBOOK)
            st = XF_XLSX_CORRUPT;
        if (st != XF_XLSX_OK)
            return open_fail(x, st);
    }

    const struct rel *sst = rel_by_type(x, "sharedStrings");
    if (sst != NULL) {
        struct sst_state ss = {.x = x};
        if (run_begin(&ss.run, &ss, sst->path, err, errlen) != 0)
            return open_fail(x, XF_XLSX_NOMEM);
        XML_SetElementHandler(ss.run.p, sst_start, sst_end);
        XML_SetCharacterDataHandler(ss.run.p, sst_text);
        st = run_part(x, &ss.run);
        if (st == XF_XLSX_NOT_WORKBOOK)
            st = XF_XLSX_CORRUPT;
        if (st != XF_XLSX_OK)
            return open_fail(x, st);
    }
    *out = x;
    return XF_XLSX_OK;
}

size_t xf_xlsx_sheet_count(const struct xf_xlsx *x)
{
    return x->nsheets;
}

const char *xf_xlsx_sheet_name(const struct xf_xlsx *x, size_t i)
{
    return i < x->nsheets ? x->sheets[i].name : NULL;
}

bool xf_xlsx_sheet_hidden(const struct xf_xlsx *x, size_t i)
{
    return i < x->nsheets && x->sheets[i].hidden;
}

long xf_xlsx_sheet_find(const struct xf_xlsx *x, const char *name)
{
    for (size_t i = 0; i < x->nsheets; i++)
        if (strcmp(x->sheets[i].name, name) == 0)
            return (long)i;
    return -1;
}

/* ---- sheets, streamed ---- */

enum cell_t { T_NUMBER, T_SHARED, T_STR, T_INLINE, T_BOOL, T_ERROR, T_DATE };

struct sheet_state {
    struct xml_run run;
    struct xf_xlsx *x;
    size_t sheet;
    xf_cell_fn fn;
    void *ctx;
    uint32_t row, last_row, col;
    uint64_t cells;
    bool in_sheetdata, in_cell, in_v, in_is, has_value, formula;
    int in_t, in_rph;
    enum cell_t type;
    long style;
    buf text;
};

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct sheet_state *st = ud;
    struct xf_xlsx *x = st->x;
    const char *ln = local_name(name);
    if (strcmp(ln, "sheetData") == 0) {
        st->in_sheetdata = true;
    } else if (!st->in_sheetdata) {
        return;
    } else if (strcmp(ln, "row") == 0) {
        const char *r = attr(atts, "r");
        long n;
        uint32_t row = st->last_row + 1;
        if (r != NULL) {
            if (!parse_long(r, &n) || n < 1 || n > (long)MAX_ROW) {
                run_fail(&st->run, XF_XLSX_CORRUPT, "sheet %s has a row numbered \"%.20s\"",
                         x->sheets[st->sheet].name, r);
                return;
            }
            row = (uint32_t)n;
        }
        if (row <= st->last_row && st->last_row > 0) {
            run_fail(&st->run, XF_XLSX_CORRUPT, "sheet %s has row %u after row %u",
                     x->sheets[st->sheet].name, row, st->last_row);
            return;
        }
        if (row > x->lim.max_rows) {
            run_fail(&st->run, XF_XLSX_TOO_LARGE, "sheet %s has more than %u rows (row %u)",
                     x->sheets[st->sheet].name, x->lim.max_rows, row);
            return;
        }
        st->row = st->last_row = row;
        st->col = 0;
    } else if (strcmp(ln, "c") == 0) {
        if (++st->cells > x->lim.max_cells) {
            run_fail(&st->run, XF_XLSX_TOO_LARGE, "sheet %s has more than %llu cells",
                     x->sheets[st->sheet].name, (unsigned long long)x->lim.max_cells);
            return;
        }
        if (st->row == 0)
            st->row = st->last_row = 1; /* a cell outside any row element */
        const char *r = attr(atts, "r");
        uint32_t col = st->col + 1, row = st->row;
        if (r != NULL && xf_xlsx_parse_ref(r, &col, &row) != 0) {
            run_fail(&st->run, XF_XLSX_CORRUPT, "sheet %s has a cell reference \"%.20s\"",
                     x->sheets[st->sheet].name, r);
            return;
        }
        if (row != st->row || col <= st->col || col > MAX_COL) {
            run_fail(&st->run, XF_XLSX_CORRUPT, "sheet %s has cell %.20s out of order in row %u",
                     x->sheets[st->sheet].name, r != NULL ? r : "?", st->row);
            return;
        }
        st->col = col;
        const char *t = attr(atts, "t");
        st->type = T_NUMBER;
        if (t == NULL || strcmp(t, "n") == 0)
            st->type = T_NUMBER;
        else if (strcmp(t, "s") == 0)
            st->type = T_SHARED;
        else if (strcmp(t, "str") == 0)
            st->type = T_STR;
        else if (strcmp(t, "inlineStr") == 0)
            st->type = T_INLINE;
        else if (strcmp(t, "b") == 0)
            st->type = T_BOOL;
        else if (strcmp(t, "e") == 0)
            st->type = T_ERROR;
        else if (strcmp(t, "d") == 0)
            st->type = T_DATE;
        else {
            run_fail(&st->run, XF_XLSX_CORRUPT, "sheet %s cell %.20s has an unknown type \"%.8s\"",
                     x->sheets[st->sheet].name, r != NULL ? r : "?", t);
            return;
        }
        long s = 0;
        st->style = parse_long(attr(atts, "s"), &s) ? s : 0;
        st->in_cell = true;
        st->has_value = st->formula = false;
        buf_reset(&st->text);
    } else if (!st->in_cell) {
        return;
    } else if (strcmp(ln, "v") == 0) {
        st->in_v = true;
        st->has_value = true;
    } else if (strcmp(ln, "f") == 0) {
        st->formula = true;
    } else if (strcmp(ln, "is") == 0) {
        st->in_is = true;
        st->has_value = true;
    } else if (strcmp(ln, "rPh") == 0) {
        st->in_rph++;
    } else if (strcmp(ln, "t") == 0 && st->in_is) {
        st->in_t++;
    }
}

static void XMLCALL sheet_text(void *ud, const XML_Char *s, int len)
{
    struct sheet_state *st = ud;
    if (!(st->in_v || (st->in_is && st->in_t > 0 && st->in_rph == 0)))
        return;
    if ((size_t)len > st->x->lim.max_cell_bytes - st->text.len) {
        char ref[16];
        xf_xlsx_cell_ref(st->col, st->row, ref);
        run_fail(&st->run, XF_XLSX_TOO_LARGE, "sheet %s cell %s holds more than %zu bytes",
                 st->x->sheets[st->sheet].name, ref, st->x->lim.max_cell_bytes);
        return;
    }
    if (buf_append(&st->text, s, (size_t)len) != 0)
        run_fail(&st->run, XF_XLSX_NOMEM, "out of memory");
}

static void emit_cell(struct sheet_state *st)
{
    struct xf_xlsx *x = st->x;
    struct xf_cell c;
    memset(&c, 0, sizeof c);
    c.sheet = st->sheet;
    c.sheet_name = x->sheets[st->sheet].name;
    c.row = st->row;
    c.col = st->col;
    xf_xlsx_cell_ref(st->col, st->row, c.ref);
    c.formula = st->formula;
    enum style_kind kind = STYLE_PLAIN;
    if (st->style >= 0 && (size_t)st->style < x->nstyles)
        kind = (enum style_kind)x->styles[st->style];
    c.text_format = kind == STYLE_TEXT;
    c.text = st->text.data != NULL ? st->text.data : "";
    c.text_len = st->text.len;
    switch (st->type) {
    case T_NUMBER: {
        if (c.text_len == 0)
            return; /* <v/>: an empty cached value */
        char *end;
        errno = 0;
        double v = strtod(c.text, &end);
        if (end == c.text || *end != '\0' || !isfinite(v)) {
            run_fail(&st->run, XF_XLSX_CORRUPT, "sheet %s cell %s has a number \"%.40s\"",
                     c.sheet_name, c.ref, c.text);
            return;
        }
        c.type = XF_CELL_NUMBER;
        c.number = v;
        c.is_date = kind == STYLE_DATE;
        break;
    }
    case T_SHARED: {
        long idx;
        if (!parse_long(c.text, &idx) || (size_t)idx >= x->nsst) {
            run_fail(&st->run, XF_XLSX_CORRUPT,
                     "sheet %s cell %s refers to shared string \"%.20s\" of %zu", c.sheet_name,
                     c.ref, c.text, x->nsst);
            return;
        }
        c.type = XF_CELL_TEXT;
        c.text = x->sst_text.data + x->sst_off[idx];
        c.text_len = strlen(c.text);
        break;
    }
    case T_STR:
    case T_INLINE:
        c.type = XF_CELL_TEXT;
        break;
    case T_DATE:
        c.type = XF_CELL_TEXT;
        c.is_date = true;
        break;
    case T_BOOL:
        if (strcmp(c.text, "1") != 0 && strcmp(c.text, "0") != 0) {
            run_fail(&st->run, XF_XLSX_CORRUPT, "sheet %s cell %s has a boolean \"%.20s\"",
                     c.sheet_name, c.ref, c.text);
            return;
        }
        c.type = XF_CELL_BOOL;
        c.number = c.text[0] == '1' ? 1 : 0;
        break;
    case T_ERROR:
        c.type = XF_CELL_ERROR;
        break;
    }
    if (st->fn(&c, st->ctx) != 0)
        run_fail(&st->run, XF_XLSX_STOPPED, "reading sheet %s was stopped at %s", c.sheet_name,
                 c.ref);
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
    struct sheet_state *st = ud;
    const char *ln = local_name(name);
    if (strcmp(ln, "sheetData") == 0) {
        st->in_sheetdata = false;
    } else if (!st->in_cell) {
        return;
    } else if (strcmp(ln, "v") == 0) {
        st->in_v = false;
    } else if (strcmp(ln, "is") == 0) {
        st->in_is = false;
    } else if (strcmp(ln, "rPh") == 0 && st->in_rph > 0) {
        st->in_rph--;
    } else if (strcmp(ln, "t") == 0 && st->in_t > 0) {
        st->in_t--;
    } else if (strcmp(ln, "c") == 0) {
        st->in_cell = false;
        if (st->has_value)
            emit_cell(st);
    }
}

int xf_xlsx_read_sheet(struct xf_xlsx *x, size_t i, xf_cell_fn fn, void *ctx, char *err,
                       size_t errlen)
{
    if (i >= x->nsheets) {
        util_set_err(err, errlen, "no sheet %zu", i);
        return XF_XLSX_NOT_WORKBOOK;
    }
    struct sheet_state st;
    memset(&st, 0, sizeof st);
    st.x = x;
    st.sheet = i;
    st.fn = fn;
    st.ctx = ctx;
    if (run_begin(&st.run, &st, x->sheets[i].path, err, errlen) != 0)
        return XF_XLSX_NOMEM;
    XML_SetElementHandler(st.run.p, sheet_start, sheet_end);
    XML_SetCharacterDataHandler(st.run.p, sheet_text);
    int rc = run_part(x, &st.run);
    buf_free(&st.text);
    if (rc == XF_XLSX_NOT_WORKBOOK)
        rc = XF_XLSX_CORRUPT;
    return rc;
}
