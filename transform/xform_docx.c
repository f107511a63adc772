/* xform_docx.c - the text of a .docx summary: paragraphs and table rows of word/document.xml. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "common/util.h"
#include "ingest/ingest_zip.h"
#include "transform/xform_extract.h"

#define NS_SEP '|'
#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

struct docx_run {
    XML_Parser p;
    buf *out;
    size_t max_text;
    int status; /* 0, 1 refused, -1 memory */
    char *err;
    size_t errlen;
    int in_text;    /* inside w:t */
    int cell_depth; /* inside w:tc (tables nest) */
    bool cell_has_text;
};

static void fail(struct docx_run *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the first failure and stops the parser. */
static void fail(struct docx_run *r, int status, const char *fmt, ...)
{
    if (r->status == 0) {
        r->status = status;
        if (r->err != NULL && r->errlen > 0) {
            va_list ap;
            va_start(ap, fmt);
            (void)vsnprintf(r->err, r->errlen, fmt, ap);
            va_end(ap);
        }
    }
    (void)XML_StopParser(r->p, XML_FALSE);
}

static void put(struct docx_run *r, const char *s, size_t n)
{
    if (r->status != 0)
        return;
    if (r->out->len + n > r->max_text) {
        fail(r, 1, "the text of the document is larger than %zu bytes", r->max_text);
        return;
    }
    if (buf_append(r->out, s, n) != 0)
        fail(r, -1, "out of memory");
}

/* The local name of a WordprocessingML element, or NULL for other namespaces. */
static const char *w_name(const XML_Char *name)
{
    size_t n = strlen(W_NS);
    if (strncmp(name, W_NS, n) == 0 && name[n] == NS_SEP)
        return name + n + 1;
    return NULL;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    struct docx_run *r = ud;
    const char *w = w_name(name);
    if (w == NULL)
        return;
    if (strcmp(w, "t") == 0)
        r->in_text++;
    else if (strcmp(w, "tab") == 0)
        put(r, "\t", 1);
    else if (strcmp(w, "br") == 0 || strcmp(w, "cr") == 0)
        put(r, r->cell_depth > 0 ? " " : "\n", 1);
    else if (strcmp(w, "tc") == 0) {
        r->cell_depth++;
        r->cell_has_text = false;
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct docx_run *r = ud;
    const char *w = w_name(name);
    if (w == NULL)
        return;
    if (strcmp(w, "t") == 0 && r->in_text > 0)
        r->in_text--;
    else if (strcmp(w, "p") == 0)
        /* paragraphs inside a cell stay in the cell; elsewhere each is a line */
        put(r, r->cell_depth > 0 ? " " : "\n", 1);
    else if (strcmp(w, "tc") == 0) {
        if (r->cell_depth > 0)
            r->cell_depth--;
        put(r, "\t", 1);
    } else if (strcmp(w, "tr") == 0)
        put(r, "\n", 1);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct docx_run *r = ud;
    if (r->in_text > 0 && len > 0)
        put(r, s, (size_t)len);
}

/* No Word part has a DOCTYPE: refusing it stops entity expansion before it starts. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    fail(ud, 1, "word/document.xml has a DOCTYPE declaration (refused)");
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
    fail(ud, 1, "word/document.xml declares an XML entity (refused)");
}

static int feed(const unsigned char *data, size_t len, void *ctx)
{
    struct docx_run *r = ctx;
    if (r->status != 0)
        return 1;
    if (XML_Parse(r->p, (const char *)data, (int)len, XML_FALSE) != XML_STATUS_OK) {
        if (r->status == 0)
            fail(r, XML_GetErrorCode(r->p) == XML_ERROR_NO_MEMORY ? -1 : 1,
                 "word/document.xml is not well-formed XML: %s (line %lu)",
                 XML_ErrorString(XML_GetErrorCode(r->p)),
                 (unsigned long)XML_GetCurrentLineNumber(r->p));
        return 1;
    }
    return 0;
}

int xf_docx_text(const char *path, size_t max_file, size_t max_text, buf *out, char *err,
                 size_t errlen)
{
    size_t len;
    unsigned char *data = (unsigned char *)util_read_file(path, max_file, &len);
    if (data == NULL) {
        if (errno == EFBIG) {
            util_set_err(err, errlen, "the file is above the limit of %zu bytes for a summary",
                         max_file);
            return 1;
        }
        util_set_err(err, errlen, "cannot read: %s", strerror(errno));
        return errno == ENOMEM ? -1 : 1;
    }
    int rc = xf_docx_text_mem(data, len, max_text, out, err, errlen);
    free(data);
    return rc;
}

int xf_docx_text_mem(const unsigned char *data, size_t len, size_t max_text, buf *out, char *err,
                     size_t errlen)
{
    int rc = 1;
    struct ingest_zip *z = NULL;
    XML_Parser p = NULL;
    static const unsigned char ole[] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
    if (len >= sizeof ole && memcmp(data, ole, sizeof ole) == 0) {
        /* an OLE container: a legacy .doc renamed, or a password-protected .docx */
        util_set_err(err, errlen,
                     "a legacy .doc or an encrypted document, not a .docx: save it "
                     "as .docx without a password");
        goto out;
    }
    if (!ingest_zip_magic(data, len)) {
        util_set_err(err, errlen, "not a .docx: the file is not a zip archive");
        goto out;
    }
    /* a summary's document.xml is a few hundred kilobytes; the caps stop a zip bomb early */
    struct ingest_zip_limits lim = {1000, 32u * 1024 * 1024, 64u * 1024 * 1024};
    char zerr[256] = "";
    int zs = ingest_zip_open(data, len, &lim, &z, zerr, sizeof zerr);
    if (zs != INGEST_ZIP_OK) {
        util_set_err(err, errlen, "not a readable .docx: %s", zerr);
        rc = zs == INGEST_ZIP_NOMEM ? -1 : 1;
        goto out;
    }
    if (ingest_zip_find(z, "word/document.xml") < 0) {
        util_set_err(err, errlen, "not a .docx: it has no word/document.xml");
        goto out;
    }
    p = XML_ParserCreateNS(NULL, NS_SEP);
    if (p == NULL) {
        rc = -1;
        goto out;
    }
    struct docx_run r;
    memset(&r, 0, sizeof r);
    r.p = p;
    r.out = out;
    r.max_text = max_text;
    r.err = err;
    r.errlen = errlen;
    XML_SetUserData(p, &r);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    XML_SetStartDoctypeDeclHandler(p, on_doctype);
    XML_SetEntityDeclHandler(p, on_entity_decl);
    (void)XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
    zs = ingest_zip_stream(z, "word/document.xml", feed, &r, zerr, sizeof zerr);
    if (r.status != 0) {
        rc = r.status;
        goto out;
    }
    if (zs != INGEST_ZIP_OK) {
        util_set_err(err, errlen, "not a readable .docx: %s", zerr);
        rc = zs == INGEST_ZIP_NOMEM ? -1 : 1;
        goto out;
    }
    if (XML_Parse(p, "", 0, XML_TRUE) != XML_STATUS_OK) {
        util_set_err(err, errlen, "word/document.xml is not well-formed XML: %s",
                     XML_ErrorString(XML_GetErrorCode(p)));
        goto out;
    }
    rc = r.status;
out:
    if (p != NULL)
        XML_ParserFree(p);
    ingest_zip_close(z);
    return rc;
}
