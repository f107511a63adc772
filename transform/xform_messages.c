/* xform_messages.c - the message catalogue: the table, formatting, and its Chinese templates for
 * SQL. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "transform/xform_labels.h"
#include "transform/xform_messages.h"

#define XF_MSG_ROW_(id, code, subject, args, en, zh)                                               \
    [XF_MSG_##id] = {#id, code, subject, args, en, zh},
const struct xf_message xf_messages[XF_NMESSAGES] = {XF_MESSAGES(XF_MSG_ROW_)};

int xf_lang_parse(const char *text, enum xf_lang *lang)
{
    if (text != NULL && strcmp(text, "zh") == 0) {
        *lang = XF_LANG_ZH;
        return 0;
    }
    if (text != NULL && strcmp(text, "en") == 0) {
        *lang = XF_LANG_EN;
        return 0;
    }
    return -1;
}

void xf_utf8_trim_tail(char *s)
{
    size_t n = strlen(s);
    size_t back = 0;
    while (back < n && back < 3 && ((unsigned char)s[n - 1 - back] & 0xc0) == 0x80)
        back++;
    if (back == n)
        return;
    unsigned char lead = (unsigned char)s[n - 1 - back];
    size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (back + 1 < need)
        s[n - 1 - back] = '\0';
}

size_t xf_message_format(char *out, size_t cap, enum xf_lang lang, enum xf_msg_id id, ...)
{
    if (cap == 0)
        return 0;
    out[0] = '\0';
    if ((int)id < 0 || id >= XF_NMESSAGES)
        return 0;
    const struct xf_message *m = &xf_messages[id];
    va_list ap;
    va_start(ap, id);
    /* the template comes from the table: its conversions are held to m->args by the unit test */
    int n = vsnprintf(out, cap, lang == XF_LANG_EN ? m->en : m->zh, ap);
    va_end(ap);
    if (n < 0) {
        out[0] = '\0';
        return 0;
    }
    if ((size_t)n >= cap)
        xf_utf8_trim_tail(out);
    return strlen(out);
}

size_t xf_message_template_zh(char *out, size_t cap, enum xf_msg_id id, const char *path)
{
    if (cap == 0)
        return 0;
    out[0] = '\0';
    if ((int)id < 0 || id >= XF_NMESSAGES)
        return 0;
    const struct xf_message *m = &xf_messages[id];
    char subject[256] = "";
    if (m->subject != XF_SUBJECT_NONE)
        xf_label_subject(subject, sizeof subject, path,
                         m->subject == XF_SUBJECT_SECTION ? "栏目" : "字段");
    size_t n = 0;
    for (const char *s = subject; *s != '\0'; s++) {
        size_t need = *s == '%' ? 2 : 1;
        if (n + need >= cap)
            goto too_long;
        out[n++] = *s;
        if (*s == '%')
            out[n++] = '%';
    }
    size_t len = strlen(m->zh);
    if (n + len >= cap)
        goto too_long;
    memcpy(out + n, m->zh, len + 1);
    return n + len;
too_long:
    out[0] = '\0';
    return 0;
}
