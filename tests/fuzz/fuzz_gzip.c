/* fuzz_gzip.c - libFuzzer harness: bounded gzip inflating, spool reading of gzip and JSON Lines. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "ingest/ingest.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small caps, so that "over the limit" is reached by ordinary inputs too. */
#define CAP_SMALL 997u
#define CAP_LINE 1000u
#define CAP_FILE 65536u
/* Inputs inflating to more than this are only inflated under a cap, not read as a spool file:
 * the reference would need the whole output and the fuzzer would slow to a crawl. */
#define REF_LIMIT (256u * 1024)

static char spool_dir[64];
static const char prefix[] = "prefix";
/* the reference's output, allocated once: a fresh 4 MiB per input would dominate the run */
static unsigned char *ref_out;
static unsigned char *ref_small;

static void remove_spool(void)
{
    static const char *const names[] = {"f.json.gz", "f.jsonl.gz", "f.jsonl"};
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", spool_dir, names[i]);
        (void)unlink(path);
    }
    (void)rmdir(spool_dir);
}

/* One spool directory per fuzzing process, on tmpfs when there is one: every input is
 * written there and read back through ingest_spool_read. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(spool_dir, sizeof spool_dir, "%s/xinyu-fuzz-XXXXXX", base);
    if (mkdtemp(spool_dir) == NULL)
        abort();
    atexit(remove_spool);
    ref_out = malloc(REF_LIMIT + 1);
    ref_small = malloc(CAP_FILE + 1);
    if (ref_out == NULL || ref_small == NULL)
        abort();
    return 0;
}

enum ref_status { REF_OK, REF_CORRUPT, REF_TOO_LARGE };

/*
 * The reading of SUBMISSION.md's gzip rules without the code under test: every member of a
 * multi-member stream, nothing after the last one, at most limit bytes out. out (limit + 1
 * bytes) receives what was inflated before the stream ended, failed or outgrew the limit.
 */
static enum ref_status ref_inflate(const uint8_t *in, size_t inlen, unsigned char *out,
                                   size_t limit, size_t *outlen)
{
    *outlen = 0;
    if (inlen < 2 || in[0] != 0x1f || in[1] != 0x8b)
        return REF_CORRUPT;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        abort();
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)inlen;
    zs.next_out = out;
    zs.avail_out = (uInt)(limit + 1);
    enum ref_status st;
    for (;;) {
        int rc = inflate(&zs, Z_NO_FLUSH);
        if ((size_t)(zs.next_out - out) > limit) {
            st = REF_TOO_LARGE;
            break;
        }
        if (rc == Z_STREAM_END) {
            size_t used = (size_t)(zs.next_in - in);
            if (used == inlen) {
                st = REF_OK;
                break;
            }
            if (inlen - used < 2 || in[used] != 0x1f || in[used + 1] != 0x8b) {
                st = REF_CORRUPT;
                break;
            }
            if (inflateReset(&zs) != Z_OK)
                abort();
            continue;
        }
        if (rc == Z_OK)
            continue;
        st = REF_CORRUPT; /* Z_BUF_ERROR with input left is impossible: there is room out */
        break;
    }
    *outlen = (size_t)(zs.next_out - out);
    (void)inflateEnd(&zs);
    return st;
}

static void sha256(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;
    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
        abort();
}

static void check_inflate(const uint8_t *data, size_t size, size_t cap, const unsigned char *ref,
                          size_t reflen, enum ref_status st)
{
    buf out = BUF_INIT;
    if (buf_puts(&out, prefix) != 0)
        abort();
    char err[64];
    memset(err, 0x55, sizeof err);
    int rc = ingest_gzip_inflate(data, size, cap, &out, err, sizeof err);
    const size_t plen = sizeof prefix - 1;
    if (out.len < plen || memcmp(out.data, prefix, plen) != 0 || out.data[out.len] != '\0')
        abort();
    switch (rc) {
    case 0:
        /* never more than cap bytes, and exactly what was compressed */
        if (out.len - plen > cap || st != REF_OK || reflen != out.len - plen ||
            memcmp(out.data + plen, ref, reflen) != 0)
            abort();
        break;
    case 1:
    case 2:
        if (out.len != plen || memchr(err, '\0', sizeof err) == NULL || err[0] == '\0')
            abort();
        if ((rc == 1 && st != REF_CORRUPT) || (rc == 2 && st != REF_TOO_LARGE))
            abort();
        break;
    default:
        abort(); /* -1 is out of memory, which the fuzzer's limits turn into a crash instead */
    }
    buf_free(&out);
}

/*
 * A slice of the raw zone's blocks: the first want bytes of the first member. When the
 * reference inflated at least that many bytes of it without an error on the way, they are
 * those; a member with fewer bytes, or bytes that do not inflate, is refused and out is as
 * before.
 */
static void check_prefix(const uint8_t *data, size_t size, size_t want)
{
    size_t reflen = 0;
    /* the first member alone: zlib stops at its end, whatever follows */
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    bool ok = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    if (ok) {
        if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
            abort();
        zs.next_in = (Bytef *)(uintptr_t)data;
        zs.avail_in = (uInt)size;
        zs.next_out = ref_small;
        zs.avail_out = (uInt)want;
        int rc = Z_OK;
        while (zs.avail_out > 0 && rc == Z_OK)
            rc = inflate(&zs, Z_NO_FLUSH);
        reflen = (size_t)(zs.next_out - ref_small);
        ok = reflen == want;
        (void)inflateEnd(&zs);
    }
    buf out = BUF_INIT;
    if (buf_puts(&out, prefix) != 0)
        abort();
    char err[64];
    int rc = ingest_gzip_prefix(data, size, want, &out, err, sizeof err);
    const size_t plen = sizeof prefix - 1;
    if (memcmp(out.data, prefix, plen) != 0 || out.data[out.len] != '\0')
        abort();
    if (rc == 0) {
        if (!ok || out.len != plen + want || memcmp(out.data + plen, ref_small, want) != 0)
            abort();
    } else if (rc != 1 || ok || out.len != plen || err[0] == '\0') {
        abort();
    }
    buf_free(&out);
}

/* ---- spool reading ---- */

struct item {
    char *ref;
    const char *error_code; /* static strings of the reader, or NULL */
    unsigned char *data;    /* copy, or NULL */
    size_t len;
    size_t byte_size;
    unsigned char sha[32];
    bool has_sha256;
};

struct items {
    struct item *v;
    size_t n, cap;
    size_t max_len; /* the reader's cap */
};

static int on_item(const struct ingest_item *it, void *ctx)
{
    struct items *l = ctx;
    if (it->ref == NULL || (it->error_code == NULL && it->error != NULL) ||
        (it->error_code != NULL && (it->error == NULL || it->error[0] == '\0')))
        abort();
    if (it->error_code != NULL && strcmp(it->error_code, "gzip") != 0 &&
        strcmp(it->error_code, "too_large") != 0 && strcmp(it->error_code, "read") != 0)
        abort();
    if (it->data == NULL && it->len != 0)
        abort();
    /* a readable item is never over the cap, and its digest is of the bytes handed over */
    if (it->error_code == NULL) {
        if (it->len > l->max_len || !it->has_sha256 || it->byte_size != it->len)
            abort();
    }
    if (it->data != NULL && it->has_sha256) {
        unsigned char want[32];
        sha256(it->data, it->len, want);
        if (memcmp(want, it->sha256, 32) != 0)
            abort();
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (l->v == NULL)
            abort();
    }
    struct item *x = &l->v[l->n++];
    memset(x, 0, sizeof *x);
    x->ref = strdup(it->ref);
    x->error_code = it->error_code;
    x->len = it->len;
    x->byte_size = it->byte_size;
    x->has_sha256 = it->has_sha256;
    memcpy(x->sha, it->sha256, 32);
    if (it->data != NULL) {
        x->data = malloc(it->len + 1);
        if (x->data == NULL)
            abort();
        memcpy(x->data, it->data, it->len);
    }
    if (x->ref == NULL)
        abort();
    return 0;
}

static void items_free(struct items *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].ref);
        free(l->v[i].data);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

static void write_file(const char *name, const uint8_t *data, size_t size)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", spool_dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        abort();
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0)
            abort();
        done += (size_t)n;
    }
    close(fd);
}

static void read_spool(const char *name, size_t cap, struct items *l)
{
    struct ingest_limits lim = {cap, 1024 * 1024};
    memset(l, 0, sizeof *l);
    l->max_len = cap;
    if (ingest_spool_read(spool_dir, name, &lim, on_item, l) != 0)
        abort();
}

static bool blank(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    }
    return true;
}

/*
 * The items a JSON Lines stream must give, checked in order from *next: one per non-blank
 * physical line, "\r\n" as a line end, a line over cap refused with its size. With
 * complete_only (the stream broke), a last line without '\n' is not a line.
 */
static void expect_lines(const struct items *l, size_t *next, const char *name,
                         const unsigned char *text, size_t len, bool complete_only)
{
    size_t lineno = 0;
    size_t pos = 0;
    char ref[96];
    while (pos < len) {
        const unsigned char *nl = memchr(text + pos, '\n', len - pos);
        if (nl == NULL && complete_only)
            break;
        size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
        const unsigned char *line = text + pos;
        pos += n + (nl != NULL ? 1 : 0);
        lineno++;
        if (nl != NULL && n > 0 && line[n - 1] == '\r')
            n--;
        if (blank(line, n))
            continue;
        if (*next >= l->n)
            abort(); /* a line that never became an item */
        const struct item *it = &l->v[(*next)++];
        snprintf(ref, sizeof ref, "%s:%zu", name, lineno);
        if (strcmp(it->ref, ref) != 0)
            abort();
        if (n > l->max_len) {
            if (it->error_code == NULL || strcmp(it->error_code, "too_large") != 0 ||
                it->byte_size != n || it->data != NULL)
                abort();
        } else {
            if (it->error_code != NULL || it->len != n || memcmp(it->data, line, n) != 0)
                abort();
        }
    }
}

static void check_jsonl_gz(const uint8_t *data, size_t size, const unsigned char *ref,
                           size_t reflen, enum ref_status st)
{
    struct items l;
    read_spool("f.jsonl.gz", CAP_LINE, &l);
    size_t next = 0;
    expect_lines(&l, &next, "f.jsonl.gz", ref, reflen, st != REF_OK);
    if (st != REF_OK) {
        /* the file is recorded as corrupt, by the digest of what was received */
        unsigned char want[32];
        sha256(data, size, want);
        if (next + 1 != l.n)
            abort();
        const struct item *it = &l.v[next++];
        if (strcmp(it->ref, "f.jsonl.gz") != 0 || it->error_code == NULL ||
            strcmp(it->error_code, "gzip") != 0 || !it->has_sha256 ||
            memcmp(it->sha, want, 32) != 0 || it->byte_size != size || it->data != NULL)
            abort();
    }
    if (next != l.n)
        abort(); /* an item that no line accounts for */
    items_free(&l);
}

static void check_json_gz(const uint8_t *data, size_t size)
{
    /* the verdict under the reader's own cap: a stream may outgrow it before it breaks */
    size_t reflen = 0;
    enum ref_status st = ref_inflate(data, size, ref_small, CAP_FILE, &reflen);
    struct items l;
    read_spool("f.json.gz", CAP_FILE, &l);
    if (l.n != 1 || strcmp(l.v[0].ref, "f.json.gz") != 0)
        abort();
    const struct item *it = &l.v[0];
    if (size > CAP_FILE) {
        if (it->error_code == NULL || strcmp(it->error_code, "too_large") != 0)
            abort();
    } else if (st == REF_OK) {
        if (it->error_code != NULL || it->len != reflen ||
            (reflen > 0 && memcmp(it->data, ref_small, reflen) != 0))
            abort();
    } else {
        /* corrupt, or too large once inflated: the bytes as received are kept */
        const char *want = st == REF_CORRUPT ? "gzip" : "too_large";
        if (it->error_code == NULL || strcmp(it->error_code, want) != 0 || it->len != size ||
            (size > 0 && memcmp(it->data, data, size) != 0))
            abort();
    }
    items_free(&l);
}

/*
 * Plain JSON Lines. When the first byte is odd the input comes after a first line long
 * enough that it straddles the reader's 64 KiB chunks at a place the input chooses, so
 * that lines are cut across reads too; even, it is read as it is (and faster).
 */
static void check_jsonl(const uint8_t *data, size_t size)
{
    size_t filler = size > 0 && (data[0] & 1) ? 65500 + data[0] % 64 : 0;
    size_t total = filler + (filler > 0 ? 1 : 0) + size;
    unsigned char *text = malloc(total + 1);
    if (text == NULL)
        abort();
    memset(text, 'x', filler);
    if (filler > 0)
        text[filler] = '\n';
    memcpy(text + total - size, data, size);
    write_file("f.jsonl", text, total);
    struct items l;
    read_spool("f.jsonl", CAP_LINE, &l);
    size_t next = 0;
    expect_lines(&l, &next, "f.jsonl", text, total, false);
    if (next != l.n)
        abort();
    items_free(&l);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t reflen = 0;
    enum ref_status st = ref_inflate(data, size, ref_out, REF_LIMIT, &reflen);

    /* inflating under a cap gives the reference's verdict under the same cap */
    size_t smalllen = 0;
    enum ref_status small_st = ref_inflate(data, size, ref_small, CAP_SMALL, &smalllen);
    check_inflate(data, size, CAP_SMALL, ref_small, smalllen, small_st);
    small_st = ref_inflate(data, size, ref_small, 0, &smalllen);
    check_inflate(data, size, 0, ref_small, smalllen, small_st);
    if (st != REF_TOO_LARGE)
        check_inflate(data, size, REF_LIMIT, ref_out, reflen, st);
    check_prefix(data, size, size > 0 ? data[size - 1] * 17u % (CAP_FILE / 2) : 0);

    if (st != REF_TOO_LARGE) {
        write_file("f.jsonl.gz", data, size);
        check_jsonl_gz(data, size, ref_out, reflen, st);
    }
    write_file("f.json.gz", data, size);
    check_json_gz(data, size);
    check_jsonl(data, size);
    return 0;
}
