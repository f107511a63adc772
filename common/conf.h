/* conf.h - the pipeline's configuration file (config/xinyu.json) and its defaults. */
#ifndef XINYU_CONF_H
#define XINYU_CONF_H

#include <stdbool.h>
#include <stddef.h>

enum conf_source_kind { CONF_SPOOL, CONF_HTTP };

struct conf_source {
    char *name;
    enum conf_source_kind kind;
    char *path;           /* spool: the directory */
    char *url;            /* http: the platform's base URL */
    char *token_file;     /* http: file holding the bearer token */
    char *token_env;      /* http: environment variable holding the bearer token */
    char *ca_file;        /* http: CA bundle to verify the server with (default: the system's) */
    long page_size;       /* http: items per page (limit=), default 500 */
    long connect_timeout; /* seconds, default 10 */
    long timeout;         /* seconds for one page, default 60 */
    long max_retries;     /* default 5 */
    long max_page_bytes;  /* default 64 MiB */
    long max_pages;       /* http: pages with items one run loads at most, default 10000; a
                           * platform with more fails the source (the pages loaded stay) */
};

struct conf {
    char *path;        /* the file read, or NULL for built-in defaults */
    char *database;    /* libpq connection string, or NULL (then DATABASE_URL, PG*, or embedded) */
    char *var_dir;     /* "var" */
    char *registry;    /* schools.csv */
    char *targets_dir; /* one YEAR.json per review year */
    char *out_dir;     /* "out" */
    struct conf_source *sources;
    int nsources;
    size_t max_submission_bytes;
    size_t max_file_bytes;
    int batch_size; /* submissions per transaction */
    int jobs;       /* 0: one per core */
    char *formats;  /* "json,csv" */
    bool by_type;   /* school-type breakdown in indicator reports */
    char *lang;     /* "zh" or "en" */
};

/*
 * Reads path (NULL: built-in defaults, no sources). Paths in the file are relative to
 * the working directory. Unknown keys and wrong types are errors. Returns 0, or -1 with
 * err saying which file and key; the caller frees c with conf_free either way.
 */
int conf_load(const char *path, struct conf *c, char *err, size_t errlen);
void conf_free(struct conf *c);
const struct conf_source *conf_find_source(const struct conf *c, const char *name);

/* Replaces *slot with a copy of value (NULL clears it). Returns 0 or -1 on no memory. */
int conf_set(char **slot, const char *value);

#endif
