/* test_xform_arena.c - jansson's allocations from an arena while a document is checked, and
 * jansson's other users unaffected (run under AddressSanitizer too, which sees a bad free). */
#include <jansson.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "transform/xform.h"
#include "transform/xform_arena.h"

static int in_range(const void *p, const void *base, size_t size)
{
    uintptr_t u = (uintptr_t)p, b = (uintptr_t)base;
    return u >= b && u - b < size;
}

/* Values made in an arena come from its block; freeing them there does nothing harmful, and
 * a value made before the arena opened is freed with free inside it. */
static void test_values_from_the_block(void **state)
{
    (void)state;
    xf_arena_install();
    json_t *before = json_string("made with malloc");
    assert_non_null(before);

    alignas(max_align_t) unsigned char space[4096];
    struct xf_arena a;
    xf_arena_begin(&a, space, sizeof space);
    json_t *obj = json_pack("{s:i, s:s, s:[i,i]}", "n", 1, "name", "学校", "list", 1, 2);
    assert_non_null(obj);
    assert_true(in_range(obj, space, sizeof space));
    assert_string_equal(json_string_value(json_object_get(obj, "name")), "学校");
    json_decref(before); /* not the arena's: given to free */
    json_decref(obj);
    xf_arena_end(&a);

    /* closed: jansson allocates with malloc again, and what it returns is free()-able */
    json_t *after = json_pack("{s:i}", "n", 2);
    assert_non_null(after);
    assert_false(in_range(after, space, sizeof space));
    char *text = json_dumps(after, JSON_COMPACT);
    assert_string_equal(text, "{\"n\":2}");
    free(text);
    json_decref(after);
}

/* A document larger than the first block takes blocks from malloc, freed at the end. */
static void test_large_document(void **state)
{
    (void)state;
    alignas(max_align_t) unsigned char space[256];
    struct xf_arena a;
    xf_arena_begin(&a, space, sizeof space);
    json_t *arr = json_array();
    assert_non_null(arr);
    for (int i = 0; i < 20000; i++)
        assert_int_equal(json_array_append_new(arr, json_integer(i)), 0);
    assert_int_equal(json_integer_value(json_array_get(arr, 19999)), 19999);
    assert_non_null(a.chunks);
    json_decref(arr);
    xf_arena_end(&a);
    assert_null(a.chunks);
}

/* An arena opened inside another: each frees nothing of the other's. */
static void test_nested(void **state)
{
    (void)state;
    alignas(max_align_t) unsigned char outer_space[2048], inner_space[2048];
    struct xf_arena outer, inner;
    xf_arena_begin(&outer, outer_space, sizeof outer_space);
    json_t *o = json_pack("{s:s}", "k", "outer");
    xf_arena_begin(&inner, inner_space, sizeof inner_space);
    json_t *i = json_pack("{s:s}", "k", "inner");
    assert_true(in_range(i, inner_space, sizeof inner_space));
    json_decref(o); /* the outer arena's, freed while the inner one is open */
    json_decref(i);
    xf_arena_end(&inner);
    json_t *again = json_integer(7);
    assert_true(in_range(again, outer_space, sizeof outer_space));
    json_decref(again);
    xf_arena_end(&outer);
}

/* Threads each with their own arena, and one using jansson without: all at once. */
static void *thread_main(void *arg)
{
    int with_arena = *(int *)arg;
    for (int round = 0; round < 2000; round++) {
        alignas(max_align_t) unsigned char space[1024];
        struct xf_arena a;
        if (with_arena)
            xf_arena_begin(&a, space, sizeof space);
        json_t *v = json_pack("{s:i, s:[s,s]}", "round", round, "w", "a", "b");
        char *text = json_dumps(v, JSON_COMPACT);
        int ok = v != NULL && text != NULL && strstr(text, "\"round\"") != NULL;
        if (with_arena) {
            /* json_dumps's text is the arena's too: it goes with the arena, not with free */
            ok = ok && in_range(text, space, sizeof space);
            json_decref(v);
            xf_arena_end(&a);
        } else {
            free(text);
            json_decref(v);
        }
        if (!ok)
            return (void *)1;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    pthread_t t[3];
    int modes[3] = {1, 1, 0};
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_main, &modes[i]), 0);
    for (int i = 0; i < 3; i++) {
        void *rc;
        assert_int_equal(pthread_join(t[i], &rc), 0);
        assert_null(rc);
    }
}

/* The validator's results are those of the same document however large it is: a name of a
 * megabyte outgrows the validator's first block. */
static void test_validate_large_name(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *doc = malloc(n + 256);
    assert_non_null(doc);
    int head = snprintf(doc, 256, "{\"schema\":\"mhe.submission/1\",\"school_name\":\"");
    memset(doc + head, 'x', n);
    memcpy(doc + head + n, "\"}", 3);
    struct xf_submission sub;
    struct xf_result res;
    struct xf_options opt = {NULL, 1737338400LL};
    assert_int_equal(xf_validate(doc, strlen(doc), &opt, &sub, &res), 1);
    assert_non_null(sub.school_name);
    assert_int_equal(strlen(sub.school_name), n); /* a copy of its own, outliving the arena */
    assert_true(res.nrejects > 0);
    xf_submission_clear(&sub);
    xf_result_clear(&res);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_from_the_block),
        cmocka_unit_test(test_large_document),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_validate_large_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
