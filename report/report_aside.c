/* report_aside.c - a format of a report written on a thread of its own (report_aside.h). */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "report/report_aside.h"

enum aside_kind { EV_VALUE, EV_TABLE_BEGIN, EV_ROW, EV_TABLE_END, EV_SEAL };

struct aside_event {
    enum aside_kind kind;
    size_t table;
    char *key; /* EV_VALUE: its key, owned */
    json_t *v; /* EV_VALUE, EV_ROW: a reference of the thread's */
};

/* The thread is woken when this many events wait (or the last one was put): each wake-up
 * is a switch of threads, too dear for every row. */
#define ASIDE_BATCH 64

struct report_aside {
    const struct report_format *f;
    void *out;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t work; /* for the thread: a batch waits, or the last event, or give_up */
    pthread_cond_t room; /* for the report: the queue has room again */
    bool thread_waits;   /* on work */
    bool report_waits;   /* on room */
    struct aside_event ev[REPORT_ASIDE_QUEUE];
    size_t head, count;
    bool sealing; /* EV_SEAL was put: nothing more will be */
    bool give_up; /* the report was given up: drop what waits */
    int rc;       /* the format's first failure */
};

static void event_free(struct aside_event *e)
{
    free(e->key);
    json_decref(e->v);
    memset(e, 0, sizeof *e);
}

static int handle(struct report_aside *a, const struct aside_event *e)
{
    const struct report_format *f = a->f;
    switch (e->kind) {
    case EV_VALUE:
        return f->value(a->out, e->key, e->v);
    case EV_TABLE_BEGIN:
        return f->table_begin(a->out, e->table);
    case EV_ROW:
        return f->row(a->out, e->table, e->v);
    case EV_TABLE_END:
        return f->table_end(a->out, e->table);
    case EV_SEAL:
        return f->seal != NULL ? f->seal(a->out) : 0;
    }
    return -1;
}

static void *aside_main(void *arg)
{
    struct report_aside *a = arg;
    struct aside_event batch[ASIDE_BATCH];
    bool sealed = false;
    pthread_mutex_lock(&a->lock);
    while (!sealed) {
        while (a->count < ASIDE_BATCH && !a->sealing && !a->give_up) {
            a->thread_waits = true;
            pthread_cond_wait(&a->work, &a->lock);
            a->thread_waits = false;
        }
        if (a->count == 0) /* given up, and nothing waits */
            break;
        size_t n = a->count < ASIDE_BATCH ? a->count : ASIDE_BATCH;
        for (size_t i = 0; i < n; i++) {
            batch[i] = a->ev[a->head];
            memset(&a->ev[a->head], 0, sizeof batch[i]);
            a->head = (a->head + 1) % REPORT_ASIDE_QUEUE;
        }
        a->count -= n;
        if (a->report_waits)
            pthread_cond_signal(&a->room);
        /* the format's work is done outside the lock, while the report puts the next events */
        for (size_t i = 0; i < n; i++) {
            bool work = a->rc == 0 && !a->give_up;
            pthread_mutex_unlock(&a->lock);
            int rc = work ? handle(a, &batch[i]) : 0;
            sealed = sealed || batch[i].kind == EV_SEAL;
            event_free(&batch[i]);
            pthread_mutex_lock(&a->lock);
            if (rc != 0 && a->rc == 0)
                a->rc = rc;
        }
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

struct report_aside *report_aside_start(const struct report_format *f, void *out)
{
    struct report_aside *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->f = f;
    a->out = out;
    if (pthread_mutex_init(&a->lock, NULL) != 0) {
        free(a);
        return NULL;
    }
    if (pthread_cond_init(&a->work, NULL) != 0) {
        pthread_mutex_destroy(&a->lock);
        free(a);
        return NULL;
    }
    if (pthread_cond_init(&a->room, NULL) != 0) {
        pthread_cond_destroy(&a->work);
        pthread_mutex_destroy(&a->lock);
        free(a);
        return NULL;
    }
    if (pthread_create(&a->thread, NULL, aside_main, a) != 0) {
        pthread_cond_destroy(&a->room);
        pthread_cond_destroy(&a->work);
        pthread_mutex_destroy(&a->lock);
        free(a);
        return NULL;
    }
    return a;
}

/* Puts e at the end of the queue, waiting for room; takes what e owns. */
static int put(struct report_aside *a, struct aside_event e)
{
    pthread_mutex_lock(&a->lock);
    while (a->count == REPORT_ASIDE_QUEUE && a->rc == 0) {
        a->report_waits = true;
        pthread_cond_wait(&a->room, &a->lock);
        a->report_waits = false;
    }
    int rc = a->rc;
    if (rc == 0 && !a->sealing) {
        a->ev[(a->head + a->count) % REPORT_ASIDE_QUEUE] = e;
        a->count++;
        a->sealing = e.kind == EV_SEAL;
        if (a->thread_waits && (a->count >= ASIDE_BATCH || a->sealing))
            pthread_cond_signal(&a->work);
        memset(&e, 0, sizeof e);
    }
    pthread_mutex_unlock(&a->lock);
    event_free(&e); /* not put: dropped */
    return rc;
}

int report_aside_value(struct report_aside *a, const char *key, const json_t *v)
{
    char *k = strdup(key);
    if (k == NULL) {
        log_error("out of memory");
        return -1;
    }
    return put(a, (struct aside_event){EV_VALUE, 0, k, json_incref((json_t *)v)});
}

int report_aside_table_begin(struct report_aside *a, size_t table)
{
    return put(a, (struct aside_event){EV_TABLE_BEGIN, table, NULL, NULL});
}

int report_aside_row(struct report_aside *a, size_t table, const json_t *row)
{
    return put(a, (struct aside_event){EV_ROW, table, NULL, json_incref((json_t *)row)});
}

int report_aside_table_end(struct report_aside *a, size_t table)
{
    return put(a, (struct aside_event){EV_TABLE_END, table, NULL, NULL});
}

void report_aside_seal(struct report_aside *a)
{
    (void)put(a, (struct aside_event){EV_SEAL, 0, NULL, NULL});
}

/* Ends the thread (giving up what waits when give_up) and frees the queue; the format's rc. */
static int stop(struct report_aside *a, bool give_up)
{
    pthread_mutex_lock(&a->lock);
    if (give_up || !a->sealing) {
        /* a thread not told to seal ends when the queue is empty */
        a->give_up = true;
        pthread_cond_signal(&a->work);
    }
    pthread_mutex_unlock(&a->lock);
    pthread_join(a->thread, NULL);
    for (size_t i = 0; i < a->count; i++)
        event_free(&a->ev[(a->head + i) % REPORT_ASIDE_QUEUE]);
    int rc = a->rc != 0 ? a->rc : (a->sealing ? 0 : -1);
    pthread_cond_destroy(&a->room);
    pthread_cond_destroy(&a->work);
    pthread_mutex_destroy(&a->lock);
    return rc;
}

int report_aside_end(struct report_aside *a, bool ok)
{
    if (ok)
        report_aside_seal(a); /* unless it was */
    int rc = stop(a, !ok);
    if (ok && rc == 0)
        rc = a->f->end(a->out);
    else
        a->f->discard(a->out);
    free(a);
    return ok ? rc : -1;
}

void report_aside_discard(struct report_aside *a)
{
    if (a == NULL)
        return;
    (void)stop(a, true);
    a->f->discard(a->out);
    free(a);
}
