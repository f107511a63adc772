/* conf.c - reads config/xinyu.json strictly, with the documented defaults. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/conf.h"
#include "common/util.h"

#define CONF_MAX_BYTES (1024 * 1024)

int conf_set(char **slot, const char *value)
{
    char *copy = NULL;
    if (value != NULL) {
        copy = strdup(value);
        if (copy == NULL)
            return -1;
    }
    free(*slot);
    *slot = copy;
    return 0;
}

static int defaults(struct conf *c)
{
    memset(c, 0, sizeof *c);
    c->max_submission_bytes = 8u * 1024 * 1024;
    c->max_file_bytes = 1024u * 1024 * 1024;
    c->batch_size = 500;
    c->jobs = 0;
    c->by_type = true;
    if (conf_set(&c->var_dir, "var") || conf_set(&c->out_dir, "out") ||
        conf_set(&c->targets_dir, "config/targets") || conf_set(&c->formats, "json,csv") ||
        conf_set(&c->lang, "zh"))
        return -1;
    return 0;
}

struct ctx {
    const char *file;
    char *err;
    size_t errlen;
};

static int fail(struct ctx *x, const char *key, const char *what)
{
    snprintf(x->err, x->errlen, "%s: %s: %s", x->file, key, what);
    return -1;
}

static int get_string(struct ctx *x, json_t *v, const char *key, char **slot)
{
    if (json_is_null(v))
        return conf_set(slot, NULL);
    if (!json_is_string(v))
        return fail(x, key, "must be a string");
    if (strlen(json_string_value(v)) != json_string_length(v))
        return fail(x, key, "must not contain NUL characters");
    return conf_set(slot, json_string_value(v)) == 0 ? 0 : fail(x, key, "out of memory");
}

static int get_long(struct ctx *x, json_t *v, const char *key, long min, long max, long *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        char what[96];
        snprintf(what, sizeof what, "must be an integer from %ld to %ld", min, max);
        return fail(x, key, what);
    }
    *out = (long)json_integer_value(v);
    return 0;
}

static int read_source(struct ctx *x, json_t *obj, int index, struct conf_source *s)
{
    char key[96];
    snprintf(key, sizeof key, "sources[%d]", index);
    if (!json_is_object(obj))
        return fail(x, key, "must be an object");
    s->page_size = 500;
    s->connect_timeout = 10;
    s->timeout = 60;
    s->max_retries = 5;
    s->max_page_bytes = 64L * 1024 * 1024;
    s->max_pages = 10000;
    char *kind = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        char full[160];
        snprintf(full, sizeof full, "%s.%s", key, k);
        int rc;
        if (strcmp(k, "name") == 0)
            rc = get_string(x, v, full, &s->name);
        else if (strcmp(k, "kind") == 0)
            rc = get_string(x, v, full, &kind);
        else if (strcmp(k, "path") == 0)
            rc = get_string(x, v, full, &s->path);
        else if (strcmp(k, "url") == 0)
            rc = get_string(x, v, full, &s->url);
        else if (strcmp(k, "token_file") == 0)
            rc = get_string(x, v, full, &s->token_file);
        else if (strcmp(k, "token_env") == 0)
            rc = get_string(x, v, full, &s->token_env);
        else if (strcmp(k, "ca_file") == 0)
            rc = get_string(x, v, full, &s->ca_file);
        else if (strcmp(k, "page_size") == 0)
            rc = get_long(x, v, full, 1, 10000, &s->page_size);
        else if (strcmp(k, "connect_timeout") == 0)
            rc = get_long(x, v, full, 1, 3600, &s->connect_timeout);
        else if (strcmp(k, "timeout") == 0)
            rc = get_long(x, v, full, 1, 86400, &s->timeout);
        else if (strcmp(k, "max_retries") == 0)
            rc = get_long(x, v, full, 0, 100, &s->max_retries);
        else if (strcmp(k, "max_page_bytes") == 0)
            rc = get_long(x, v, full, 1024, 1024L * 1024 * 1024, &s->max_page_bytes);
        else if (strcmp(k, "max_pages") == 0)
            rc = get_long(x, v, full, 1, 1000000, &s->max_pages);
        else if (strcmp(k, "token") == 0)
            rc = fail(x, full,
                      "a token is never read from the config file; name a token_file or token_env");
        else
            rc = fail(x, full, "unknown key");
        if (rc != 0) {
            free(kind);
            return -1;
        }
    }
    int rc = 0;
    if (s->name == NULL || *s->name == '\0')
        rc = fail(x, key, "needs a \"name\"");
    else if (kind == NULL || (strcmp(kind, "spool") != 0 && strcmp(kind, "http") != 0))
        rc = fail(x, key, "\"kind\" must be \"spool\" or \"http\"");
    else if (strcmp(kind, "spool") == 0) {
        s->kind = CONF_SPOOL;
        if (s->path == NULL)
            rc = fail(x, key, "a spool source needs a \"path\"");
    } else {
        s->kind = CONF_HTTP;
        if (s->url == NULL)
            rc = fail(x, key, "an http source needs a \"url\"");
    }
    free(kind);
    return rc;
}

static int read_limits(struct ctx *x, json_t *obj, struct conf *c)
{
    if (!json_is_object(obj))
        return fail(x, "limits", "must be an object");
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        long n;
        if (strcmp(k, "max_submission_bytes") == 0) {
            if (get_long(x, v, "limits.max_submission_bytes", 1024, 1024L * 1024 * 1024, &n))
                return -1;
            c->max_submission_bytes = (size_t)n;
        } else if (strcmp(k, "max_file_bytes") == 0) {
            if (get_long(x, v, "limits.max_file_bytes", 1024, 64L * 1024 * 1024 * 1024, &n))
                return -1;
            c->max_file_bytes = (size_t)n;
        } else if (strcmp(k, "batch_size") == 0) {
            if (get_long(x, v, "limits.batch_size", 1, 100000, &n))
                return -1;
            c->batch_size = (int)n;
        } else {
            char full[128];
            snprintf(full, sizeof full, "limits.%s", k);
            return fail(x, full, "unknown key");
        }
    }
    return 0;
}

static int read_report(struct ctx *x, json_t *obj, struct conf *c)
{
    if (!json_is_object(obj))
        return fail(x, "report", "must be an object");
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        if (strcmp(k, "formats") == 0) {
            if (get_string(x, v, "report.formats", &c->formats))
                return -1;
        } else if (strcmp(k, "by_type") == 0) {
            if (!json_is_boolean(v))
                return fail(x, "report.by_type", "must be true or false");
            c->by_type = json_is_true(v);
        } else if (strcmp(k, "lang") == 0) {
            if (get_string(x, v, "report.lang", &c->lang))
                return -1;
            if (c->lang == NULL || (strcmp(c->lang, "zh") != 0 && strcmp(c->lang, "en") != 0))
                return fail(x, "report.lang", "must be \"zh\" or \"en\"");
        } else {
            char full[128];
            snprintf(full, sizeof full, "report.%s", k);
            return fail(x, full, "unknown key");
        }
    }
    return 0;
}

int conf_load(const char *path, struct conf *c, char *err, size_t errlen)
{
    if (defaults(c) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (path == NULL)
        return 0;
    if (conf_set(&c->path, path) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t len;
    char *data = util_read_file(path, CONF_MAX_BYTES, &len);
    if (data == NULL) {
        snprintf(err, errlen, "cannot read %s: %s", path,
                 errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
        return -1;
    }
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    free(data);
    if (root == NULL) {
        snprintf(err, errlen, "%s: line %d column %d: %s", path, jerr.line, jerr.column, jerr.text);
        return -1;
    }
    struct ctx x = {path, err, errlen};
    int rc = 0;
    if (!json_is_object(root)) {
        rc = fail(&x, "(top)", "must be a JSON object");
        goto out;
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (strcmp(k, "database") == 0)
            rc = get_string(&x, v, k, &c->database);
        else if (strcmp(k, "var_dir") == 0)
            rc = get_string(&x, v, k, &c->var_dir);
        else if (strcmp(k, "registry") == 0)
            rc = get_string(&x, v, k, &c->registry);
        else if (strcmp(k, "targets_dir") == 0)
            rc = get_string(&x, v, k, &c->targets_dir);
        else if (strcmp(k, "out_dir") == 0)
            rc = get_string(&x, v, k, &c->out_dir);
        else if (strcmp(k, "jobs") == 0) {
            long n;
            rc = get_long(&x, v, k, 0, 256, &n);
            c->jobs = (int)n;
        } else if (strcmp(k, "limits") == 0)
            rc = read_limits(&x, v, c);
        else if (strcmp(k, "report") == 0)
            rc = read_report(&x, v, c);
        else if (strcmp(k, "sources") == 0) {
            if (!json_is_array(v)) {
                rc = fail(&x, k, "must be an array");
                break;
            }
            size_t n = json_array_size(v);
            c->sources = calloc(n ? n : 1, sizeof *c->sources);
            if (c->sources == NULL) {
                rc = fail(&x, k, "out of memory");
                break;
            }
            for (size_t i = 0; i < n && rc == 0; i++) {
                c->nsources++;
                rc = read_source(&x, json_array_get(v, i), (int)i, &c->sources[i]);
                for (int j = 0; rc == 0 && j < (int)i; j++) {
                    if (strcmp(c->sources[j].name, c->sources[i].name) == 0)
                        rc = fail(&x, "sources", "two sources have the same name");
                }
            }
        } else if (strcmp(k, "password") == 0) {
            rc = fail(&x, k,
                      "passwords are never read from the config file; use PGPASSWORD or a "
                      "passfile");
        } else {
            rc = fail(&x, k, "unknown key");
        }
        if (rc != 0)
            break;
    }
out:
    json_decref(root);
    return rc;
}

void conf_free(struct conf *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < c->nsources; i++) {
        struct conf_source *s = &c->sources[i];
        free(s->name);
        free(s->path);
        free(s->url);
        free(s->token_file);
        free(s->token_env);
        free(s->ca_file);
    }
    free(c->sources);
    free(c->path);
    free(c->database);
    free(c->var_dir);
    free(c->registry);
    free(c->targets_dir);
    free(c->out_dir);
    free(c->formats);
    free(c->lang);
    memset(c, 0, sizeof *c);
}

const struct conf_source *conf_find_source(const struct conf *c, const char *name)
{
    for (int i = 0; i < c->nsources; i++) {
        if (strcmp(c->sources[i].name, name) == 0)
            return &c->sources[i];
    }
    return NULL;
}
