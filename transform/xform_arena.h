/* xform_arena.h - jansson's allocations of one submission's parse and checks from one block.
 *
 * Parsing a submission makes a hundred small allocations (every value, key and hash table)
 * that all die together at json_decref: malloc and free for each were about a twelfth of the
 * loader's time. Between xf_arena_begin and xf_arena_end on a thread, jansson allocates from
 * the arena instead and its frees of arena memory do nothing; the arena is let go as a whole.
 *
 * The allocation functions are installed in jansson once for the whole process (jansson has
 * one pair for all threads). They stay correct for every other user of jansson: on a thread
 * without an open arena they are malloc and free themselves, and a pointer that is not the
 * open arena's own is always given to free, so memory jansson took before they were installed,
 * or on another thread, is freed as before.
 *
 * The rule for the user of an arena: every json_t made between begin and end is released
 * (json_decref) before end, and no pointer into one (json_string_value) is kept after it. A
 * text jansson hands over to be freed (json_dumps) is the arena's too: never given to free.
 */
#ifndef XINYU_XFORM_ARENA_H
#define XINYU_XFORM_ARENA_H

#include <stddef.h>

struct xf_arena_chunk;

/* One open arena: the caller's first block, then blocks from malloc as needed. */
struct xf_arena {
    unsigned char *base; /* the block being filled */
    size_t cap, used;
    unsigned char *first; /* the caller's block */
    size_t first_cap;
    struct xf_arena_chunk *chunks; /* blocks from malloc, the newest first */
    struct xf_arena *outer;        /* the arena open before this one on the thread, or NULL */
};

/* Installs the allocation functions in jansson (once; later calls do nothing). Best called
 * before threads start; safe at any time, see above. Never fails. */
void xf_arena_install(void);

/* Opens arena a on this thread with space (size bytes, aligned for any type, the caller's) as
 * its first block; installs the functions if not done yet. Never fails: when a block cannot be
 * had later, jansson sees an allocation fail and says "out of memory". */
void xf_arena_begin(struct xf_arena *a, void *space, size_t size);

/* Closes a (the arena opened last on this thread), frees the blocks it took from malloc and
 * gives the thread back the arena open before it, if any. Never fails. */
void xf_arena_end(struct xf_arena *a);

#endif
