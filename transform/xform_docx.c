/* xform_docx.c - the text of a .docx summary: paragraphs and table rows of word/document.xml. */
#include <stdio.h>

#include "transform/xform_extract.h"

int xf_docx_text(const char *path, size_t max_file, size_t max_text, buf *out, char *err,
                 size_t errlen)
{
    (void)path;
    (void)max_file;
    (void)max_text;
    (void)out;
    /* placeholder until the zip layer (ingest_zip) is merged */
    (void)snprintf(err, errlen, "reading .docx is not available in this build");
    return 1;
}
