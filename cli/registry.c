/*
 * registry.c — the tests that WEFT_TEST registered, found by name.
 *
 * WEFT_TEST registers from constructors, whose order across files is
 * unspecified, so the list is sorted by name before anyone sees it: `list`
 * prints the same order in every build.
 */
#include <stdlib.h>
#include <string.h>

#include <weft/weft.h>

static weft_test_def *head;
static size_t count;
static const weft_test_def **sorted;
static size_t n_sorted;

void weft_test_register(weft_test_def *t)
{
    t->next = head;
    head = t;
    count++;
}

static int by_name(const void *a, const void *b)
{
    const weft_test_def *x = *(const weft_test_def *const *)a;
    const weft_test_def *y = *(const weft_test_def *const *)b;
    return strcmp(x->name, y->name);
}

const weft_test_def *const *weft_tests(size_t *n)
{
    if (n_sorted != count) {
        const weft_test_def **a = realloc(sorted, (count ? count : 1) * sizeof *a);
        if (!a) {
            *n = 0;
            return NULL;
        }
        size_t i = 0;
        for (weft_test_def *t = head; t; t = t->next)
            a[i++] = t;
        qsort(a, count, sizeof *a, by_name);
        sorted = a;
        n_sorted = count;
    }
    *n = n_sorted;
    return sorted;
}

const weft_test_def *weft_test_find(const char *name)
{
    size_t n;
    const weft_test_def *const *all = weft_tests(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i]->name, name) == 0)
            return all[i];
    return NULL;
}
