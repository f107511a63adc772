/* xform_arena.c - jansson's allocations of one submission from one block (see xform_arena.h). */
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "transform/xform_arena.h"

/* Every allocation is rounded to this, the alignment malloc gives on the platforms Xinyu runs
 * on, so that any jansson structure fits. */
#define ARENA_ALIGN 16
/* The first block taken from malloc; each later one is twice the one before (or as large as
 * the allocation), so that a large document takes few blocks and at most twice its needs. */
#define ARENA_CHUNK_MIN (64 * 1024)

struct xf_arena_chunk {
    struct xf_arena_chunk *next;
    size_t size;
    /* the block follows the header, at an offset of ARENA_ALIGN */
};

#define CHUNK_HEADER ((sizeof(struct xf_arena_chunk) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN)

/* The arena open on this thread; NULL: jansson allocates with malloc as usual. */
static _Thread_local struct xf_arena *open_arena;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static unsigned char *chunk_data(struct xf_arena_chunk *c)
{
    return (unsigned char *)c + CHUNK_HEADER;
}

/* Whether p lies in block [base, base + size): compared as integers, as the blocks are
 * separate objects. */
static int in_block(const void *p, const unsigned char *base, size_t size)
{
    uintptr_t u = (uintptr_t)p;
    uintptr_t b = (uintptr_t)base;
    return u >= b && u - b < size;
}

static int arena_owns(const struct xf_arena *a, const void *p)
{
    if (in_block(p, a->first, a->first_cap))
        return 1;
    for (const struct xf_arena_chunk *c = a->chunks; c != NULL; c = c->next) {
        if (in_block(p, chunk_data((struct xf_arena_chunk *)(uintptr_t)c), c->size))
            return 1;
    }
    return 0;
}

/* jansson's malloc: from the open arena, else malloc. NULL when memory ran out. */
static void *arena_malloc(size_t n)
{
    struct xf_arena *a = open_arena;
    if (a == NULL)
        return malloc(n);
    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    if (n == 0)
        n = ARENA_ALIGN;
    if (a->cap - a->used < n) {
        size_t size = a->chunks != NULL ? 2 * a->chunks->size : ARENA_CHUNK_MIN;
        if (size < n)
            size = n;
        if (size > SIZE_MAX - CHUNK_HEADER)
            return NULL;
        struct xf_arena_chunk *c = malloc(CHUNK_HEADER + size);
        if (c == NULL)
            return NULL;
        c->size = size;
        c->next = a->chunks;
        a->chunks = c;
        a->base = chunk_data(c);
        a->cap = size;
        a->used = 0;
    }
    void *p = a->base + a->used;
    a->used += n;
    return p;
}

/* jansson's free: nothing for the memory of an arena open on this thread (it goes at
 * xf_arena_end), free for anything else. */
static void arena_free(void *p)
{
    if (p == NULL)
        return;
    for (const struct xf_arena *a = open_arena; a != NULL; a = a->outer) {
        if (arena_owns(a, p))
            return;
    }
    free(p);
}

static void install(void)
{
    json_set_alloc_funcs(arena_malloc, arena_free);
}

void xf_arena_install(void)
{
    pthread_once(&install_once, install);
}

void xf_arena_begin(struct xf_arena *a, void *space, size_t size)
{
    xf_arena_install();
    a->first = space;
    a->first_cap = size;
    a->base = space;
    a->cap = size;
    a->used = 0;
    a->chunks = NULL;
    a->outer = open_arena;
    open_arena = a;
}

void xf_arena_end(struct xf_arena *a)
{
    open_arena = a->outer;
    struct xf_arena_chunk *c = a->chunks;
    while (c != NULL) {
        struct xf_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->chunks = NULL;
    a->base = NULL;
    a->cap = 0;
    a->used = 0;
}
