/* xform_extract_text.c - a summary's bytes as UTF-8 text: encoding detected, iconv, limits. */
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "transform/xform_extract.h"

/*
 * Converts len bytes from the encoding from into UTF-8 appended to out, never holding more
 * than max bytes. Returns 0, 1 when the bytes are not that encoding (or too long), -1 on
 * memory or when iconv lacks the encoding (err says which).
 */
static int convert(const char *from, const unsigned char *in, size_t len, size_t max, buf *out,
                   char *err, size_t errlen)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1) {
        util_set_err(err, errlen, "cannot convert from %s: %s", from, strerror(errno));
        return -1;
    }
    /* GB18030 and UTF-16 never grow by more than half again in UTF-8 (2 -> 3 bytes) */
    size_t room = len + len / 2 + 16;
    if (room > max + 16)
        room = max + 16;
    int rc = 0;
    if (buf_reserve(out, room) != 0) {
        rc = -1;
        goto done;
    }
    char *ip = (char *)in;
    size_t ileft = len;
    char *op = out->data + out->len;
    size_t oleft = out->cap - out->len - 1;
    if (iconv(cd, &ip, &ileft, &op, &oleft) == (size_t)-1) {
        if (errno == E2BIG) {
            util_set_err(err, errlen, "the text is longer than %zu bytes once converted", max);
        } else {
            util_set_err(err, errlen, "not %s text: invalid bytes at offset %zu", from,
                         (size_t)(ip - (char *)in));
        }
        rc = 1;
        goto done;
    }
    out->len = (size_t)(op - out->data);
    out->data[out->len] = '\0';
    if (out->len > max) {
        util_set_err(err, errlen, "the text is longer than %zu bytes once converted", max);
        rc = 1;
    }
done:
    iconv_close(cd);
    return rc;
}

int xf_extract_decode(const unsigned char *in, size_t len, size_t max, buf *out,
                      const char **encoding, char *err, size_t errlen)
{
    *encoding = NULL;
    if (len > max) {
        util_set_err(err, errlen,
                     "the file is %zu bytes, above the limit of %zu bytes for a summary", len, max);
        return 1;
    }
    const size_t start = out->len;
    int rc;
    if (len >= 2 && ((in[0] == 0xff && in[1] == 0xfe) || (in[0] == 0xfe && in[1] == 0xff))) {
        *encoding = in[0] == 0xff ? "UTF-16LE" : "UTF-16BE";
        rc = convert(*encoding, in + 2, len - 2, max, out, err, errlen);
    } else if (memchr(in, '\0', len) != NULL) {
        util_set_err(err, errlen, "binary data, not a text summary (NUL bytes)");
        return 1;
    } else {
        if (len >= 3 && in[0] == 0xef && in[1] == 0xbb && in[2] == 0xbf) {
            in += 3;
            len -= 3;
        }
        if (buf_valid_utf8((const char *)in, len)) {
            *encoding = "UTF-8";
            rc = buf_append(out, in, len);
        } else {
            /* GB18030 covers GBK and GB2312, the encodings Chinese Windows saves text in */
            *encoding = "GB18030";
            rc = convert("GB18030", in, len, max, out, err, errlen);
            if (rc == 1)
                util_set_err(err, errlen, "neither UTF-8 nor GB18030 text");
        }
    }
    if (rc != 0) {
        out->len = start;
        if (out->data != NULL)
            out->data[start] = '\0';
        return rc;
    }
    /* control characters other than tab, line and page breaks do not occur in prose: a few
     * are tolerated (stray bytes of a copy and paste), many mean the file is not text */
    size_t controls = 0, chars = 0;
    for (size_t i = start; i < out->len; i++) {
        unsigned char c = (unsigned char)out->data[i];
        if ((c & 0xc0) != 0x80)
            chars++;
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') ||
            c == 0x7f || c == '\0')
            controls++;
    }
    bool nul = memchr(out->data + start, '\0', out->len - start) != NULL;
    if (nul || (controls > 8 && controls * 100 > chars)) {
        out->len = start;
        out->data[start] = '\0';
        util_set_err(err, errlen, "binary data, not a text summary (%zu control characters)",
                     controls);
        return 1;
    }
    return 0;
}

/* Does name end with suffix, ignoring ASCII case? */
static bool ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), k = strlen(suffix);
    return n >= k && strcasecmp(name + n - k, suffix) == 0;
}

/* The refusals in Chinese for the school, by the start of the English reason: every refusal
 * of this file, xf_extract_decode and xf_docx_text has its line here. */
static const struct {
    const char *prefix;
    const char *zh;
} refusals_zh[] = {
    {"the file is", "文件超过总结的大小上限,未读取"},
    {"the text of the document is larger", "文档文字超过总结的大小上限,未读取"},
    {"the text is longer", "文字超过总结的大小上限,未读取"},
    {"binary data", "不是文字文件(含二进制内容)"},
    {"neither UTF-8 nor GB18030", "编码既不是 UTF-8 也不是 GB18030,请另存为 UTF-8 文本"},
    {"not UTF-16", "UTF-16 文本已损坏"},
    {"cannot read", "无法读取文件"},
    {"not a .docx or .txt summary", "请将总结另存为 .docx 或 .txt 后再提交"},
    {"not a summary file", "不是工作总结文件(.docx 或 .txt)"},
    {"a legacy .doc", "旧版 .doc 或加密文档:请另存为不加密的 .docx"},
    {"not a .docx", "不是有效的 .docx 文件"},
    {"not a readable .docx", ".docx 文件已损坏或超出大小限制,无法读取"},
    {"word/document.xml", ".docx 的正文内容无效或含有不允许的声明,未读取"},
};

const char *xf_extract_refusal_zh(const char *reason)
{
    for (size_t i = 0; i < sizeof refusals_zh / sizeof refusals_zh[0]; i++) {
        if (strncmp(reason, refusals_zh[i].prefix, strlen(refusals_zh[i].prefix)) == 0)
            return refusals_zh[i].zh;
    }
    return "无法读取该总结";
}

int xf_extract_file(const char *path, struct xf_extract *x, struct xf_extract_source *src,
                    char *err, size_t errlen)
{
    memset(x, 0, sizeof *x);
    memset(src, 0, sizeof *src);
    buf text = BUF_INIT;
    int rc;
    if (ends_with(path, ".docx")) {
        src->format = "docx";
        src->encoding = "UTF-8";
        rc = xf_docx_text(path, XF_EXTRACT_MAX_DOCX, XF_EXTRACT_MAX_TEXT, &text, err, errlen);
    } else if (ends_with(path, ".txt")) {
        src->format = "txt";
        size_t len;
        /* the size is checked before anything is read: a 50 MB file costs nothing */
        char *raw = util_read_file(path, XF_EXTRACT_MAX_TEXT, &len);
        if (raw == NULL) {
            if (errno == EFBIG)
                util_set_err(err, errlen, "the file is above the limit of %u bytes for a summary",
                             XF_EXTRACT_MAX_TEXT);
            else
                util_set_err(err, errlen, "cannot read: %s", strerror(errno));
            return errno == ENOMEM ? -1 : 1;
        }
        src->bytes = len;
        rc = xf_extract_decode((const unsigned char *)raw, len, XF_EXTRACT_MAX_TEXT, &text,
                               &src->encoding, err, errlen);
        free(raw);
    } else if (ends_with(path, ".doc") || ends_with(path, ".wps") || ends_with(path, ".pdf")) {
        util_set_err(err, errlen, "not a .docx or .txt summary: save it as .docx or .txt");
        return 1;
    } else {
        util_set_err(err, errlen, "not a summary file (.docx or .txt)");
        return 1;
    }
    if (rc == 0) {
        src->text_bytes = text.len;
        rc = xf_extract_text(text.data != NULL ? text.data : "", text.len, x, err, errlen);
    }
    buf_free(&text);
    return rc;
}
