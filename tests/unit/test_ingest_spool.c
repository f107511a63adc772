/* test_ingest_spool.c - unit tests for scanning the spool directory and reading its files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "ingest/ingest.h"
#include "transform/xform_load.h"

#define MIB (1024u * 1024)

static const char SHA_ABC[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
static const char SHA_EMPTY[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
static const char SHA_A1[] = "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862";
static const char SHA_LAST[] = "3547cb112ac4489af2310c0626cdba6f3097a2ad5a3b42ddd3b59c76c7a079a3";
static const char SHA_SHORT[] = "f9b0078b5df596d2ea19010c001bbd009e651de2c57e8fb7e355f31eb9d3f739";
static const char SHA_OK[] = "2689367b205c16ce32ed4200942b8b8b1e262dfc70d9bc9fbc77c49699a4f1df";
static const char SHA_ONE[] = "7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed";
static const char SHA_TWO[] = "3fc4ccfe745870e2c0d99f71f30ff0656c8dedd41cc1d7d3d376b0dbe685e2f3";

/* ---- a scratch directory per test: <tmp>/spool and <tmp>/outside ---- */

struct fixture {
    char root[64];
    char spool[96];
    char outside[96];
};

static void path_join(char *out, size_t outlen, const char *a, const char *b)
{
    int n = snprintf(out, outlen, "%s/%s", a, b);
    assert_true(n > 0 && (size_t)n < outlen);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->root, sizeof f->root, "/tmp/xinyu-ingest-XXXXXX");
    if (mkdtemp(f->root) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->spool, sizeof f->spool, "%s/spool", f->root);
    snprintf(f->outside, sizeof f->outside, "%s/outside", f->root);
    if (mkdir(f->spool, 0755) != 0 || mkdir(f->outside, 0755) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

/* Removes everything under the directory open as fd, never following a symbolic link. */
static int remove_contents(int fd)
{
    int dupfd = dup(fd);
    if (dupfd < 0)
        return -1;
    DIR *d = fdopendir(dupfd);
    if (d == NULL) {
        close(dupfd);
        return -1;
    }
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            rc = -1;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            (void)fchmodat(fd, de->d_name, 0700, 0);
            int sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
            if (sub < 0 || remove_contents(sub) != 0)
                rc = -1;
            if (sub >= 0)
                close(sub);
            if (unlinkat(fd, de->d_name, AT_REMOVEDIR) != 0)
                rc = -1;
        } else if (unlinkat(fd, de->d_name, 0) != 0) {
            rc = -1;
        }
    }
    closedir(d);
    return rc;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    int fd = open(f->root, O_RDONLY | O_DIRECTORY);
    int rc = fd >= 0 ? remove_contents(fd) : -1;
    if (fd >= 0)
        close(fd);
    if (rmdir(f->root) != 0)
        rc = -1;
    free(f);
    return rc;
}

static void write_at(const char *dir, const char *rel, const void *data, size_t len)
{
    char path[512];
    path_join(path, sizeof path, dir, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        assert_true(n > 0);
        p += n;
        len -= (size_t)n;
    }
    assert_int_equal(close(fd), 0);
}

static void write_str(const char *dir, const char *rel, const char *s)
{
    write_at(dir, rel, s, strlen(s));
}

static void write_gzip(const char *dir, const char *rel, const void *data, size_t len, buf *gz)
{
    assert_int_equal(xf_gzip_deflate(data, len, gz), 0);
    write_at(dir, rel, gz->data, gz->len);
}

static void make_dir(const char *dir, const char *rel)
{
    char path[512];
    path_join(path, sizeof path, dir, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

static void make_symlink(const char *target, const char *dir, const char *rel)
{
    char path[512];
    path_join(path, sizeof path, dir, rel);
    assert_int_equal(symlink(target, path), 0);
}

static void make_fifo(const char *dir, const char *rel)
{
    char path[512];
    path_join(path, sizeof path, dir, rel);
    assert_int_equal(mkfifo(path, 0644), 0);
}

static int make_socket(const char *dir, const char *rel)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int n = snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", dir, rel);
    assert_true(n > 0 && (size_t)n < sizeof sa.sun_path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void assert_sha(const unsigned char sha[UTIL_SHA256_LEN], const char *hex)
{
    char got[2 * UTIL_SHA256_LEN + 1];
    util_hex(sha, UTIL_SHA256_LEN, got);
    assert_string_equal(got, hex);
}

static void assert_sha_of(const unsigned char sha[UTIL_SHA256_LEN], const void *data, size_t len)
{
    unsigned char want[UTIL_SHA256_LEN];
    assert_int_equal(util_sha256(data, len, want), 0);
    assert_memory_equal(sha, want, UTIL_SHA256_LEN);
}

/* ---- what the callbacks heard ---- */

#define MAX_EVENTS 64

struct seen_item {
    char *ref;
    unsigned char *data; /* NULL when the item had none */
    size_t len;
    size_t byte_size;
    unsigned char sha256[UTIL_SHA256_LEN];
    bool has_sha256;
    char *error_code;
    char *error;
};

struct collected {
    struct seen_item items[MAX_EVENTS];
    int n;
    int calls;
    int stop_at_call; /* 1-based; 0 never stops */
};

static char *dup_or_null(const char *s)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

static int collect(const struct ingest_item *it, void *ctx)
{
    struct collected *c = ctx;
    c->calls++;
    if (c->n < MAX_EVENTS) {
        struct seen_item *s = &c->items[c->n++];
        s->ref = dup_or_null(it->ref);
        if (it->data != NULL) {
            s->data = malloc(it->len + 1);
            assert_non_null(s->data);
            memcpy(s->data, it->data, it->len);
            s->data[it->len] = '\0';
        }
        s->len = it->len;
        s->byte_size = it->byte_size;
        memcpy(s->sha256, it->sha256, UTIL_SHA256_LEN);
        s->has_sha256 = it->has_sha256;
        s->error_code = dup_or_null(it->error_code);
        s->error = dup_or_null(it->error);
        if (it->error_code != NULL)
            assert_non_null(it->error);
    }
    return c->stop_at_call != 0 && c->calls >= c->stop_at_call ? -1 : 0;
}

static void collected_free(struct collected *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->items[i].ref);
        free(c->items[i].data);
        free(c->items[i].error_code);
        free(c->items[i].error);
    }
    memset(c, 0, sizeof *c);
}

static void assert_good_item(const struct seen_item *s, const char *ref, const char *data,
                             const char *sha_hex)
{
    assert_string_equal(s->ref, ref);
    assert_null(s->error_code);
    assert_non_null(s->data);
    assert_int_equal(s->len, strlen(data));
    assert_int_equal(s->byte_size, strlen(data));
    assert_memory_equal(s->data, data, s->len);
    assert_true(s->has_sha256);
    assert_sha(s->sha256, sha_hex);
}

static void assert_unread_item(const struct seen_item *s, const char *ref, const char *code,
                               size_t byte_size)
{
    assert_string_equal(s->ref, ref);
    assert_non_null(s->error_code);
    assert_string_equal(s->error_code, code);
    assert_null(s->data);
    assert_false(s->has_sha256);
    assert_int_equal(s->byte_size, byte_size);
}

static const struct ingest_limits default_limits = {INGEST_DEFAULT_MAX_SUBMISSION,
                                                    INGEST_DEFAULT_MAX_FILE};

/* ---- file kinds ---- */

static void test_file_kind(void **state)
{
    (void)state;
    const struct {
        const char *name;
        enum ingest_file_kind kind;
    } cases[] = {
        {"a.json", INGEST_JSON},
        {"A.JSON", INGEST_JSON},
        {"district/a.Json", INGEST_JSON},
        {"a.jsonl", INGEST_JSONL},
        {"a.ndjson", INGEST_JSONL},
        {"a.NDJSON", INGEST_JSONL},
        {"a.json.gz", INGEST_JSON_GZ},
        {"a.JSON.GZ", INGEST_JSON_GZ},
        {"a.jsonl.gz", INGEST_JSONL_GZ},
        {"a.ndjson.gz", INGEST_JSONL_GZ},
        {"a.NdJson.Gz", INGEST_JSONL_GZ},
        {"a.xlsx", INGEST_XLSX},
        {"district/A.XLSX", INGEST_XLSX},
        {"a.xlsm", INGEST_XLSX}, /* read to be refused with a reason, not skipped unheard */
        {"a.xls", INGEST_XLSX},
        {"a.xlsx.part", INGEST_NOT_INPUT},
        {"~$a.xlsx", INGEST_NOT_INPUT}, /* the lock file of a workbook open in Excel */
        {".a.json", INGEST_NOT_INPUT},
        {"district/.a.json", INGEST_NOT_INPUT},
        {".json", INGEST_NOT_INPUT},
        {"a.json.tmp", INGEST_NOT_INPUT},
        {"a.json.part", INGEST_NOT_INPUT},
        {"a.json.gz.PART", INGEST_NOT_INPUT},
        {"a.tmp", INGEST_NOT_INPUT},
        {"a.gz", INGEST_NOT_INPUT},
        {"a.txt", INGEST_NOT_INPUT},
        /* a school's work summary: kept beside the submissions, never loaded */
        {"3201020001_2024-2025-1_summary.txt", INGEST_SUMMARY},
        {"district/3201020001_2024-2025-1_SUMMARY.DOCX", INGEST_SUMMARY},
        {"3201020001_2024-2025-3_summary.txt", INGEST_NOT_INPUT}, /* no such term */
        {"3201020001_2024-2026-1_summary.txt", INGEST_NOT_INPUT},
        {"x3201020001_2024-2025-1_summary.txt", INGEST_NOT_INPUT},
        {"3201020001_summary.txt", INGEST_NOT_INPUT},
        {"3201020001_2024-2025-1_summary.pdf", INGEST_NOT_INPUT},
        {".3201020001_2024-2025-1_summary.txt", INGEST_NOT_INPUT},
        {"a.json~", INGEST_NOT_INPUT},
        {"json", INGEST_NOT_INPUT},
        {"a.jsonx", INGEST_NOT_INPUT},
        {"", INGEST_NOT_INPUT},
        {"district/", INGEST_NOT_INPUT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (ingest_file_kind(cases[i].name) != cases[i].kind)
            fail_msg("ingest_file_kind(\"%s\") = %d, expected %d", cases[i].name,
                     (int)ingest_file_kind(cases[i].name), (int)cases[i].kind);
    }
}

/* ---- scanning ---- */

struct scan_log {
    buf text; /* one line per event, in the order heard */
    int found;
    int stop_at; /* stop on this found() call; 0 never */
    int64_t b_json_mtime_ns;
    int64_t b_json_size;
};

static int on_found(const char *relpath, int64_t size, int64_t mtime_ns, void *ctx)
{
    struct scan_log *l = ctx;
    l->found++;
    assert_int_equal(buf_printf(&l->text, "found %s\n", relpath), 0);
    if (strcmp(relpath, "b.json") == 0) {
        l->b_json_mtime_ns = mtime_ns;
        l->b_json_size = size;
    }
    return l->stop_at != 0 && l->found >= l->stop_at ? -1 : 0;
}

static void on_skipped(const char *relpath, const char *why, void *ctx)
{
    struct scan_log *l = ctx;
    assert_int_equal(buf_printf(&l->text, "skip %s: %s\n", relpath, why), 0);
}

static void build_scan_tree(const struct fixture *f)
{
    const char *s = f->spool;
    write_str(s, "b.json", "{}");
    write_str(s, "a.jsonl", "abc\n");
    write_str(s, "C.JSON.GZ", "not really gzip, the scanner does not care");
    make_dir(s, "aa");
    write_str(s, "aa/k.json", "{}");
    make_dir(s, "sub");
    write_str(s, "sub/y.ndjson", "{}\n");
    make_dir(s, "sub/deeper");
    write_str(s, "sub/deeper/q.NDJSON.gz", "");
    write_str(s, ".hidden.json", "{}");
    make_dir(s, ".hiddendir");
    write_str(s, ".hiddendir/x.json", "{}");
    make_symlink("../sub", s, ".hidden-link");
    write_str(s, "notes.txt", "not a submission");
    write_str(s, "upload.json.part", "{");
    write_str(s, "z.json.tmp", "{");
    write_str(f->outside, "secret.json", "{\"secret\":true}");
    make_symlink("../outside/secret.json", s, "link-out.json");
    char abs[256];
    path_join(abs, sizeof abs, f->outside, "secret.json");
    make_symlink(abs, s, "link-abs.json");
    make_symlink("sub", s, "link-dir");
    make_symlink("sub/y.ndjson", s, "link-in.jsonl");
    make_fifo(s, "fifo.json");
    /* nine levels: the eighth is walked, the ninth is reported */
    char deep[256] = "1";
    for (int level = 1; level <= 9; level++) {
        if (level > 1) {
            size_t len = strlen(deep);
            snprintf(deep + len, sizeof deep - len, "/%d", level);
        }
        make_dir(s, deep);
        if (level == 8) {
            char file[300];
            path_join(file, sizeof file, deep, "ok.json");
            write_str(s, file, "{}");
        }
        if (level == 9) {
            char file[300];
            path_join(file, sizeof file, deep, "no.json");
            write_str(s, file, "{}");
        }
    }
    char b[256];
    path_join(b, sizeof b, s, "b.json");
    const struct timespec times[2] = {{1700000000, 123456789}, {1700000000, 123456789}};
    assert_int_equal(utimensat(AT_FDCWD, b, times, 0), 0);
}

static void test_scan_tree(void **state)
{
    struct fixture *f = *state;
    build_scan_tree(f);
    int sock = make_socket(f->spool, "sock.json");

    struct scan_log log = {.text = BUF_INIT};
    char err[256] = "";
    assert_int_equal(ingest_spool_scan(f->spool, on_found, on_skipped, &log, err, sizeof err), 0);
    close(sock);
    /* byte order: digits, then upper case, then lower case; each directory before its successor */
    assert_string_equal(log.text.data,
                        "skip 1/2/3/4/5/6/7/8/9: directory nested deeper than 8 levels\n"
                        "found 1/2/3/4/5/6/7/8/ok.json\n"
                        "found C.JSON.GZ\n"
                        "found a.jsonl\n"
                        "found aa/k.json\n"
                        "found b.json\n"
                        "skip fifo.json: named pipe (FIFO)\n"
                        "skip link-abs.json: symbolic link\n"
                        "skip link-dir: symbolic link\n"
                        "skip link-in.jsonl: symbolic link\n"
                        "skip link-out.json: symbolic link\n"
                        "skip sock.json: socket\n"
                        "found sub/deeper/q.NDJSON.gz\n"
                        "found sub/y.ndjson\n");
    assert_int_equal(log.b_json_size, 2);
    assert_int_equal(log.b_json_mtime_ns, INT64_C(1700000000123456789));
    buf_free(&log.text);
}

static void test_scan_without_skip_callback(void **state)
{
    struct fixture *f = *state;
    build_scan_tree(f);
    struct scan_log log = {.text = BUF_INIT};
    char err[256] = "";
    assert_int_equal(ingest_spool_scan(f->spool, on_found, NULL, &log, err, sizeof err), 0);
    assert_int_equal(log.found, 7);
    buf_free(&log.text);
}

static void test_scan_stop_and_errors(void **state)
{
    struct fixture *f = *state;
    build_scan_tree(f);
    struct scan_log log = {.text = BUF_INIT, .stop_at = 2};
    char err[256] = "";
    assert_int_equal(ingest_spool_scan(f->spool, on_found, on_skipped, &log, err, sizeof err), -1);
    assert_int_equal(log.found, 2);
    assert_string_equal(err, "scan stopped at C.JSON.GZ");

    char missing[256];
    path_join(missing, sizeof missing, f->root, "no-such-spool");
    err[0] = '\0';
    assert_int_equal(ingest_spool_scan(missing, on_found, on_skipped, &log, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open spool directory"));
    assert_non_null(strstr(err, "No such file or directory"));
    assert_int_equal(log.found, 2);

    char file[256];
    path_join(file, sizeof file, f->spool, "b.json");
    assert_int_equal(ingest_spool_scan(file, on_found, on_skipped, &log, err, sizeof err), -1);
    buf_free(&log.text);
}

static void test_scan_unreadable_subdirectory(void **state)
{
    struct fixture *f = *state;
    if (geteuid() == 0)
        skip(); /* root reads any directory */
    make_dir(f->spool, "locked");
    write_str(f->spool, "locked/a.json", "{}");
    write_str(f->spool, "m.json", "{}");
    char path[256];
    path_join(path, sizeof path, f->spool, "locked");
    assert_int_equal(chmod(path, 0), 0);
    struct scan_log log = {.text = BUF_INIT};
    char err[256] = "";
    assert_int_equal(ingest_spool_scan(f->spool, on_found, on_skipped, &log, err, sizeof err), 0);
    assert_string_equal(log.text.data, "skip locked: cannot open directory: Permission denied\n"
                                       "found m.json\n");
    buf_free(&log.text);
}

/* ---- reading .json and .json.gz ---- */

static void test_read_json(void **state)
{
    struct fixture *f = *state;
    make_dir(f->spool, "district");
    write_str(f->spool, "district/a.json", "abc");
    write_str(f->spool, "empty.json", "");
    struct collected c = {0};
    assert_int_equal(ingest_spool_read(f->spool, "district/a.json", &default_limits, collect, &c),
                     0);
    assert_int_equal(c.n, 1);
    assert_good_item(&c.items[0], "district/a.json", "abc", SHA_ABC);
    collected_free(&c);

    assert_int_equal(ingest_spool_read(f->spool, "empty.json", &default_limits, collect, &c), 0);
    assert_int_equal(c.n, 1);
    assert_good_item(&c.items[0], "empty.json", "", SHA_EMPTY);
    collected_free(&c);
}

static void test_read_json_too_large(void **state)
{
    struct fixture *f = *state;
    write_str(f->spool, "a.json", "abcd");
    const struct ingest_limits three = {3, INGEST_DEFAULT_MAX_FILE};
    struct collected c = {0};
    assert_int_equal(ingest_spool_read(f->spool, "a.json", &three, collect, &c), 0);
    assert_int_equal(c.n, 1);
    assert_unread_item(&c.items[0], "a.json", "too_large", 4);
    assert_string_equal(c.items[0].error, "file size 4 exceeds the limit of 3 bytes");
    collected_free(&c);

    /* exactly at the limit is fine */
    const struct ingest_limits four = {4, INGEST_DEFAULT_MAX_FILE};
    assert_int_equal(ingest_spool_read(f->spool, "a.json", &four, collect, &c), 0);
    assert_int_equal(c.n, 1);
    assert_null(c.items[0].error_code);
    assert_int_equal(c.items[0].len, 4);
    collected_free(&c);
}

static void test_read_file_too_large(void **state)
{
    struct fixture *f = *state;
    write_str(f->spool, "a.jsonl", "{}\n{}\n{}\n");
    const struct ingest_limits small_files = {INGEST_DEFAULT_MAX_SUBMISSION, 8};
    struct collected c = {0};
    assert_int_equal(ingest_spool_read(f->spool, "a.jsonl", &small_files, collect, &c), 0);
    assert_int_equal(c.n, 1); /* the file as a whole, not one item per line */
    assert_unread_item(&c.items[0], "a.jsonl", "too_large", 9);
    assert_string_equal(c.items[0].error, "file size 9 exceeds the limit of 8 bytes");
    collected_free(&c);
}

static void test_read_json_gz(void **state)
{
    struct fixture *f = *state;
    buf gz = BUF_INIT;
    write_gzip(f->spool, "a.json.gz", "{\"a\":1}", 7, &gz);
    struct collected c = {0};
    assert_int_equal(ingest_spool_read(f->spool, "a.json.gz", &default_limits, collect, &c), 0);
    assert_int_equal(c.n, 1);
    assert_good_item(&c.items[0], "a.json.gz", "{\"a\":1}", SHA_A1);
    collected_free(&c);
    buf_free(&gz);
}

static void test_read_json_gz_corrupt(void **state)
{
    struct fixture *f = *state;
    buf gz = BUF_INIT;
    assert_int_equal(xf_gzip_deflate((const unsigned char *)"{\"a\":1}", 7, &gz), 0);
    size_t cut = gz.len - 4;
    write_at(f->spool, "cut.json.gz", gz.data, cut);
    struct collected c = {0};
    assert_int_equal(ingest_spool_read(f->spool, "cut.json.gz", &default_limits, collect, &c), 0);
    assert_int_equal(c.n, 1);
    const struct seen_item *s = &c.items[0];
    assert_string_equal(s->ref, "cut.json.gz");
    assert_non_null(s->error_code);
    assert_string_equal(s->error_code, "gzip");
    assert_string_equal(s->error, "corrupt or truncated gzip data: unexpected end of gzip data");
    /* the bytes as received are kept and hashed */
    assert_non_null(s->data);
    assert_int_equal(s->len, cut);
    assert_int_equal(s->byte_size, cut);
    assert_memory_equal(s->data, gz.data, cut);
    assert_true(s->has_sha256);
    assert_sha_of(s->sha256, gz.data, cut);
    collected_free(&c);

    /* plain JSON under a .gz name */
    write_str(f->spool, "plain.json.gz", "abc");
    assert_int_equal(ingest_spool_read(f->spool, "plain.json.gz", &default_limits, collect, &c), 0);
    assert_int_equal(c.n, 1);
    assert_non_null(c.items[0].error_code);
    assert_string_equal(c.items[0].error_code, "gzip");
    assert_string_equal(c.items[0].error, "corrupt or truncated gzip data: not gzip data");
    assert_string_equal((char *)c.items[0].data, "abc");
    assert_sha(c.items[0].sha256, SHA_ABC);
    collected_free(&c);
    buf_free(&gz);
}

static void test_read_json_gz_bomb(void **state)
{
    struct fixture *f = *state;
    unsigned char *zeros = calloc(4 * MIB, 1);
    assert_non_null(zeros);
    buf gz = BUF_INIT;
    write_gzip(f->spool, "bomb.json.gz", zeros, 4 * MIB, &gz);
    free(zeros);
    const struct ingest_limits one_mib = {MIB, INGEST_DEFAULT_MAX_FILE};
    struct collected c = {0};
    assert_int_equal(ingest_spool_read(f->spool, "bomb.json.gz", &one_mib, collect, &c), 0);
    assert_int_equal(c.n, 1);
    const struct seen_item *s = &c.items[0];
    assert_non_null(s->error_code); /* a bomb read as a good item fails here, not in strcmp */
    assert_string_equal(s->error_code, "too_large");
    assert_string_equal(s->error, "decompressed size exceeds the limit of 1048576 bytes");
    assert_int_equal(s->len, gz.len);
    assert_int_equal(s->byte_size, gz.len);
    assert_memory_equal(s->data, gz.data, gz.len);
    assert_sha_of(s->sha256, gz.data, gz.len);
    collected_free(&c);
    buf_free(&gz);
}

static void test_read_json_gz_compressed_too_large(void **state)
{
    struct fixture *f = *state;
    char text[200];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (char)('a' + (i * 7919) % 26);
    buf gz = BUF_INIT;
    write_gzip(f->spool, "a.json.gz", text, sizeof text, &gz);
    assert_true(gz.len > 16);
    const struct ingest_limits tiny = {16, INGEST_DEFAULT_MAX_FILE};
    struct collected c = {0};
    assert_int_equal(ingest_spool_read(f->spool, "a.json.gz", &tiny, collect, &c), 0);
    assert_int_equal(c.n, 1);
    assert_unread_item(&c.items[0], "a.json.gz", "too_large", gz.len);
    collected_free(&c);
    buf_free(&gz);
}

/* ---- reading JSON Lines ---- */

static void test_read_jsonl_lines(void **state)
{
    struct fixture *f = *state;
    make_dir(f->spool, "r");
    write_str(f->spool, "r/x.jsonl", "abc\n\n  \t\r\n{\"a\":1}\r\nlast");
    struct collected c = {0};
    assert_int_equal(ingest_spool_read(f->spool, "r/x.jsonl", &default_limits, collect, &c), 0);
    assert_int_equal(c.n, 3);
    assert_good_item(&c.items[0], "r/x.jsonl:1", "abc", SHA_ABC);
    assert_good_item(&c.items[1], "r/x.jsonl:4", "{\"a\":1}", SHA_A1);
    assert_good_item(&c.items[2], "r/x.jsonl:5", "last", SHA_LAST);
    collected_free(&c);

    write_str(f->spool, "y.ndjson", "one\r\ntwo\r\n");
    assert_int_equal(ingest_spool_read(f->spool, "y.ndjson", &default_limits, collect, &c), 0);
    assert_int_equal(c.n, 2);
    assert_good_item(&c.items[0], "y.ndjson:1", "one", SHA_ONE);
    assert_good_item(&c.items[1], "y.ndjson:2", "two", SHA_TWO);
    collected_free(&c);

    write_str(f->spool, "blank.jsonl", "\n \n\r\n\t");
    write_str(f->spool, "empty.jsonl", "");
    assert_int_equal(ingest_spool_read(f->spool, "blank.jsonl", &default_limits, collect, &c), 0);
    assert_int_equal(ingest_spool_read(f->spool, "empty.jsonl", &default_limits, collect, &c), 0);
    assert_int_equal(c.calls, 0);
}

static void test_read_jsonl_oversized_lines(void **state)
{
    struct fixture *f = *state;
    buf text = BUF_INIT;
    assert_int_equal(buf_puts(&text, "short\n"), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(buf_putc(&text, 'x'), 0);
    assert_int_equal(buf_puts(&text, "\n"), 0);
    assert_int_equal(buf_puts(&text, "ok\n"), 0);
    assert_int_equal(buf_puts(&text, "                    \n"), 0); /* long but blank */
    assert_int_equal(buf_puts(&text, "12345678\r\n"), 0);           /* exactly the limit */
    assert_int_equal(buf_puts(&text, "123456789"), 0);              /* one over, unterminated */
    write_at(f->spool, "o.jsonl", text.data, text.len);
    buf_free(&text);

    const struct ingest_limits eight = {8, INGEST_DEFAULT_MAX_FILE};
    struct collected c = {0};
    assert_int_equal(ingest_spool_read(f->spool, "o.jsonl", &eight, collect, &c), 0);
    assert_int_equal(c.n, 5);
    assert_good_item(&c.items[0], "o.jsonl:1", "short", SHA_SHORT);
    assert_unread_item(&c.items[1], "o.jsonl:2", "too_large", 100);
    assert_string_equal(c.items[1].error, "line of 100 bytes exceeds the limit of 8 bytes");
    assert_good_item(&c.items[2], "o.jsonl:3", "ok", SHA_OK);
    assert_string_equal(c.items[3].ref, "o.jsonl:5");
    assert_null(c.items[3].error_code);
    assert_int_equal(c.items[3].len, 8);
    assert_unread_item(&c.items[4], "o.jsonl:6", "too_large", 9);
    collected_free(&c);
}

/* Lines that cross the reader's 64 KiB chunks, including a "\r\n" split between two chunks. */
static void test_read_jsonl_across_chunks(void **state)
{
    struct fixture *f = *state;
    const size_t cap = 100000;
    buf text = BUF_INIT;
    assert_int_equal(buf_reserve(&text, 600000), 0);
    for (size_t i = 0; i < 65535; i++)
        assert_int_equal(buf_putc(&text, 'a'), 0);
    assert_int_equal(buf_puts(&text, "\r\n"), 0);
    size_t line2_at = text.len;
    for (size_t i = 0; i < cap; i++)
        assert_int_equal(buf_putc(&text, (char)('c' + i % 3)), 0);
    assert_int_equal(buf_puts(&text, "\r\n"), 0);
    for (size_t i = 0; i < 300000; i++)
        assert_int_equal(buf_putc(&text, 'b'), 0);
    assert_int_equal(buf_puts(&text, "\nok"), 0);
    write_at(f->spool, "big.jsonl", text.data, text.len);

    const struct ingest_limits lim = {cap, INGEST_DEFAULT_MAX_FILE};
    struct collected c = {0};
    assert_int_equal(ingest_spool_read(f->spool, "big.jsonl", &lim, collect, &c), 0);
    assert_int_equal(c.n, 4);
    assert_string_equal(c.items[0].ref, "big.jsonl:1");
    assert_null(c.items[0].error_code);
    assert_int_equal(c.items[0].len, 65535);
    assert_sha_of(c.items[0].sha256, text.data, 65535);
    assert_string_equal(c.items[1].ref, "big.jsonl:2");
    assert_null(c.items[1].error_code);
    assert_int_equal(c.items[1].len, cap);
    assert_memory_equal(c.items[1].data, text.data + line2_at, cap);
    assert_sha_of(c.items[1].sha256, text.data + line2_at, cap);
    assert_unread_item(&c.items[2], "big.jsonl:3", "too_large", 300000);
    assert_good_item(&c.items[3], "big.jsonl:4", "ok", SHA_OK);
    collected_free(&c);
    buf_free(&text);
}

static void test_read_jsonl_gz_members(void **state)
{
    struct fixture *f = *state;
    buf gz = BUF_INIT;
    /* the second line starts in one member and ends in the next */
    assert_int_equal(xf_gzip_deflate((const unsigned char *)"abc\n{\"a\"", 8, &gz), 0);
    assert_int_equal(xf_gzip_deflate((const unsigned char *)":1}\r\n\nlast", 10, &gz), 0);
    write_at(f->spool, "m.jsonl.gz", gz.data, gz.len);
    struct collected c = {0};
    assert_int_equal(ingest_spool_read(f->spool, "m.jsonl.gz", &default_limits, collect, &c), 0);
    assert_int_equal(c.n, 3);
    assert_good_item(&c.items[0], "m.jsonl.gz:1", "abc", SHA_ABC);
    assert_good_item(&c.items[1], "m.jsonl.gz:2", "{\"a\":1}", SHA_A1);
    assert_good_item(&c.items[2], "m.jsonl.gz:4", "last", SHA_LAST);
    collected_free(&c);
    buf_free(&gz);
}

static void test_read_jsonl_gz_truncated(void **state)
{
    struct fixture *f = *state;
    buf gz = BUF_INIT;
    assert_int_equal(xf_gzip_deflate((const unsigned char *)"one\ntwo\nthree", 13, &gz), 0);
    size_t cut = gz.len - 8; /* every byte of text is there, the trailer is not */
    write_at(f->spool, "t.ndjson.gz", gz.data, cut);
    struct collected c = {0};
    assert_int_equal(ingest_spool_read(f->spool, "t.ndjson.gz", &default_limits, collect, &c), 0);
    assert_int_equal(c.n, 3);
    assert_good_item(&c.items[0], "t.ndjson.gz:1", "one", SHA_ONE);
    assert_good_item(&c.items[1], "t.ndjson.gz:2", "two", SHA_TWO);
    const struct seen_item *s = &c.items[2];
    assert_string_equal(s->ref, "t.ndjson.gz");
    assert_non_null(s->error_code);
    assert_string_equal(s->error_code, "gzip");
    assert_string_equal(s->error,
                        "corrupt or truncated gzip data after line 2: unexpected end of gzip data");
    assert_null(s->data);
    assert_true(s->has_sha256);
    assert_sha_of(s->sha256, gz.data, cut);
    assert_int_equal(s->byte_size, cut);
    collected_free(&c);

    /* an empty file is no gzip stream either */
    write_str(f->spool, "e.jsonl.gz", "");
    assert_int_equal(ingest_spool_read(f->spool, "e.jsonl.gz", &default_limits, collect, &c), 0);
    assert_int_equal(c.n, 1);
    assert_non_null(c.items[0].error_code);
    assert_string_equal(c.items[0].error_code, "gzip");
    assert_sha(c.items[0].sha256, SHA_EMPTY);
    collected_free(&c);
    buf_free(&gz);
}

static void test_read_jsonl_gz_garbage(void **state)
{
    struct fixture *f = *state;
    buf gz = BUF_INIT;
    assert_int_equal(xf_gzip_deflate((const unsigned char *)"one\n", 4, &gz), 0);
    assert_int_equal(buf_puts(&gz, "garbage!"), 0);
    write_at(f->spool, "g.jsonl.gz", gz.data, gz.len);
    struct collected c = {0};
    assert_int_equal(ingest_spool_read(f->spool, "g.jsonl.gz", &default_limits, collect, &c), 0);
    assert_int_equal(c.n, 2);
    assert_good_item(&c.items[0], "g.jsonl.gz:1", "one", SHA_ONE);
    assert_non_null(c.items[1].error_code);
    assert_string_equal(c.items[1].error_code, "gzip");
    assert_string_equal(c.items[1].error,
                        "corrupt or truncated gzip data after line 1: incorrect header check");
    assert_sha_of(c.items[1].sha256, gz.data, gz.len);
    assert_int_equal(c.items[1].byte_size, gz.len);
    collected_free(&c);

    /* not gzip at all: no lines, one item */
    write_str(f->spool, "p.jsonl.gz", "{\"a\":1}\n");
    assert_int_equal(ingest_spool_read(f->spool, "p.jsonl.gz", &default_limits, collect, &c), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.items[0].ref, "p.jsonl.gz");
    assert_non_null(c.items[0].error_code);
    assert_string_equal(c.items[0].error_code, "gzip");
    assert_non_null(strstr(c.items[0].error, "after line 0: "));
    collected_free(&c);
    buf_free(&gz);
}

struct many {
    int lines;
    int bad;
};

static int check_many(const struct ingest_item *it, void *ctx)
{
    struct many *m = ctx;
    m->lines++;
    char want_ref[64];
    char want_data[64];
    int n = snprintf(want_data, sizeof want_data, "{\"n\":%d}", m->lines);
    snprintf(want_ref, sizeof want_ref, "many.jsonl.gz:%d", m->lines);
    unsigned char sha[UTIL_SHA256_LEN];
    if (util_sha256(want_data, (size_t)n, sha) != 0 || it->error_code != NULL ||
        strcmp(it->ref, want_ref) != 0 || it->len != (size_t)n ||
        memcmp(it->data, want_data, (size_t)n) != 0 || memcmp(it->sha256, sha, sizeof sha) != 0)
        m->bad++;
    return 0;
}

static void test_read_jsonl_gz_many_lines(void **state)
{
    struct fixture *f = *state;
    buf text = BUF_INIT;
    for (int i = 1; i <= 50000; i++)
        assert_int_equal(buf_printf(&text, "{\"n\":%d}\n", i), 0);
    buf gz = BUF_INIT;
    write_gzip(f->spool, "many.jsonl.gz", text.data, text.len, &gz);
    struct many m = {0};
    assert_int_equal(ingest_spool_read(f->spool, "many.jsonl.gz", &default_limits, check_many, &m),
                     0);
    assert_int_equal(m.lines, 50000);
    assert_int_equal(m.bad, 0);
    buf_free(&text);
    buf_free(&gz);
}

/* A compressed line far above the limit is skipped while inflating; the next line still counts. */
static void test_read_jsonl_gz_bomb_line(void **state)
{
    struct fixture *f = *state;
    const size_t big = 16 * MIB;
    unsigned char *text = malloc(big + 4);
    assert_non_null(text);
    memset(text, 'x', big);
    memcpy(text + big, "\nok\n", 4);
    buf gz = BUF_INIT;
    write_gzip(f->spool, "bomb.jsonl.gz", text, big + 4, &gz);
    free(text);
    const struct ingest_limits one_mib = {MIB, INGEST_DEFAULT_MAX_FILE};
    struct collected c = {0};
    assert_int_equal(ingest_spool_read(f->spool, "bomb.jsonl.gz", &one_mib, collect, &c), 0);
    assert_int_equal(c.n, 2);
    assert_unread_item(&c.items[0], "bomb.jsonl.gz:1", "too_large", big);
    assert_good_item(&c.items[1], "bomb.jsonl.gz:2", "ok", SHA_OK);
    collected_free(&c);
    buf_free(&gz);
}

/* ---- what is never read ---- */

static void test_read_refuses_symlinks(void **state)
{
    struct fixture *f = *state;
    write_str(f->outside, "secret.json", "{\"secret\":true}");
    make_symlink("../outside/secret.json", f->spool, "link.json");
    make_dir(f->spool, "sub");
    write_str(f->spool, "sub/a.json", "{}");
    make_symlink("sub", f->spool, "linkdir");
    make_symlink("../outside", f->spool, "outdir");

    struct collected c = {0};
    errno = 0;
    assert_int_equal(ingest_spool_read(f->spool, "link.json", &default_limits, collect, &c), -1);
    assert_int_equal(errno, ELOOP);
    errno = 0;
    assert_int_equal(ingest_spool_read(f->spool, "linkdir/a.json", &default_limits, collect, &c),
                     -1);
    assert_true(errno == ELOOP || errno == ENOTDIR);
    errno = 0;
    assert_int_equal(
        ingest_spool_read(f->spool, "outdir/secret.json", &default_limits, collect, &c), -1);
    assert_true(errno == ELOOP || errno == ENOTDIR);
    errno = 0;
    assert_int_equal(
        ingest_spool_read(f->spool, "../outside/secret.json", &default_limits, collect, &c), -1);
    assert_int_equal(errno, EINVAL);
    char abs[256];
    path_join(abs, sizeof abs, f->outside, "secret.json");
    errno = 0;
    assert_int_equal(ingest_spool_read(f->spool, abs, &default_limits, collect, &c), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(c.calls, 0);

    /* the real path still reads */
    assert_int_equal(ingest_spool_read(f->spool, "sub/a.json", &default_limits, collect, &c), 0);
    assert_int_equal(c.calls, 1);
    collected_free(&c);
}

static void test_read_vanished_and_odd_files(void **state)
{
    struct fixture *f = *state;
    struct collected c = {0};
    errno = 0;
    assert_int_equal(ingest_spool_read(f->spool, "gone.json", &default_limits, collect, &c), -1);
    assert_int_equal(errno, ENOENT);
    errno = 0;
    assert_int_equal(ingest_spool_read(f->spool, "nodir/gone.jsonl", &default_limits, collect, &c),
                     -1);
    assert_int_equal(errno, ENOENT);

    /* a FIFO must neither block the reader nor be read */
    make_fifo(f->spool, "fifo.jsonl");
    errno = 0;
    assert_int_equal(ingest_spool_read(f->spool, "fifo.jsonl", &default_limits, collect, &c), -1);
    assert_int_equal(errno, EINVAL);
    make_dir(f->spool, "dir.json");
    errno = 0;
    assert_int_equal(ingest_spool_read(f->spool, "dir.json", &default_limits, collect, &c), -1);
    assert_int_equal(errno, EISDIR);
    write_str(f->spool, "notes.txt", "{}");
    errno = 0;
    assert_int_equal(ingest_spool_read(f->spool, "notes.txt", &default_limits, collect, &c), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(c.calls, 0);
}

static void test_read_stops_when_told(void **state)
{
    struct fixture *f = *state;
    write_str(f->spool, "s.jsonl", "one\ntwo\nthree\n");
    struct collected c = {.stop_at_call = 1};
    errno = 0;
    assert_int_equal(ingest_spool_read(f->spool, "s.jsonl", &default_limits, collect, &c), -1);
    assert_int_equal(errno, ECANCELED);
    assert_int_equal(c.calls, 1);
    collected_free(&c);

    buf gz = BUF_INIT;
    write_gzip(f->spool, "s.jsonl.gz", "one\ntwo\nthree\n", 14, &gz);
    c.stop_at_call = 2;
    assert_int_equal(ingest_spool_read(f->spool, "s.jsonl.gz", &default_limits, collect, &c), -1);
    assert_int_equal(c.calls, 2);
    collected_free(&c);

    write_str(f->spool, "s.json", "{}");
    c.stop_at_call = 1;
    assert_int_equal(ingest_spool_read(f->spool, "s.json", &default_limits, collect, &c), -1);
    assert_int_equal(c.calls, 1);
    collected_free(&c);
    buf_free(&gz);
}

#define SPOOL_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_kind),
        SPOOL_TEST(test_scan_tree),
        SPOOL_TEST(test_scan_without_skip_callback),
        SPOOL_TEST(test_scan_stop_and_errors),
        SPOOL_TEST(test_scan_unreadable_subdirectory),
        SPOOL_TEST(test_read_json),
        SPOOL_TEST(test_read_json_too_large),
        SPOOL_TEST(test_read_file_too_large),
        SPOOL_TEST(test_read_json_gz),
        SPOOL_TEST(test_read_json_gz_corrupt),
        SPOOL_TEST(test_read_json_gz_bomb),
        SPOOL_TEST(test_read_json_gz_compressed_too_large),
        SPOOL_TEST(test_read_jsonl_lines),
        SPOOL_TEST(test_read_jsonl_oversized_lines),
        SPOOL_TEST(test_read_jsonl_across_chunks),
        SPOOL_TEST(test_read_jsonl_gz_members),
        SPOOL_TEST(test_read_jsonl_gz_truncated),
        SPOOL_TEST(test_read_jsonl_gz_garbage),
        SPOOL_TEST(test_read_jsonl_gz_many_lines),
        SPOOL_TEST(test_read_jsonl_gz_bomb_line),
        SPOOL_TEST(test_read_refuses_symlinks),
        SPOOL_TEST(test_read_vanished_and_odd_files),
        SPOOL_TEST(test_read_stops_when_told),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
