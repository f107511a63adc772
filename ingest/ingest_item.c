/* ingest_item.c - one received item, whatever its source: its hash and the size cap. */
#include <errno.h>
#include <string.h>

#include "ingest/ingest.h"

int ingest_item_read(struct ingest_item *it, const char *ref, const void *data, size_t len,
                     const char *error_code, const char *error)
{
    memset(it, 0, sizeof *it);
    it->ref = ref;
    it->data = data;
    it->len = len;
    it->byte_size = len;
    it->error_code = error_code;
    it->error = error;
    if (util_sha256(data != NULL ? data : "", len, it->sha256) != 0) {
        errno = ENOMEM;
        return -1;
    }
    it->has_sha256 = true;
    return 0;
}

void ingest_item_unread(struct ingest_item *it, const char *ref, size_t byte_size,
                        const char *error_code, const char *error)
{
    memset(it, 0, sizeof *it);
    it->ref = ref;
    it->byte_size = byte_size;
    it->error_code = error_code;
    it->error = error;
}

bool ingest_item_cap(struct ingest_item *it, size_t max_submission_bytes, char *why, size_t whylen)
{
    if (it->error_code != NULL || it->len <= max_submission_bytes)
        return false;
    util_set_err(why, whylen, "the submission is %zu bytes, more than the limit of %zu bytes",
                 it->len, max_submission_bytes);
    it->data = NULL;
    it->len = 0;
    it->error_code = "too_large";
    it->error = why;
    return true;
}
