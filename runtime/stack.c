/*
 * stack.c — mmap'd fiber stacks with a low guard page, and the pool that
 * recycles them.
 *
 * Invariant: every stack that exists (pooled or handed out) is one mapping
 * of page + size bytes whose lowest page is PROT_NONE, and is registered
 * with Valgrind from mapping to unmapping, so Valgrind knows a switch onto
 * it is a stack switch and not a huge stack-pointer jump.
 *
 * Reused stacks are not cleared or madvise'd: that costs a system call per
 * put, and the pages would fault back in on the next use anyway.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS & co. under -std=c11 */
#endif
#include "stack.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define WEFT__STACK_VALGRIND 1
#endif
#endif

#ifndef MAP_STACK
#define MAP_STACK 0
#endif
#ifndef MAP_NORESERVE
#define MAP_NORESERVE 0
#endif

static unsigned vg_register(void *lo, size_t size)
{
#ifdef WEFT__STACK_VALGRIND
    return VALGRIND_STACK_REGISTER(lo, (char *)lo + size);
#else
    (void)lo, (void)size;
    return 0;
#endif
}

static void vg_deregister(unsigned id)
{
#ifdef WEFT__STACK_VALGRIND
    VALGRIND_STACK_DEREGISTER(id);
#else
    (void)id;
#endif
}

/* Maps a new stack of size usable bytes above one guard page of page bytes.
 * Returns 0, or -1 with errno set and nothing mapped. */
static int stack_map(size_t page, size_t size, weft__stack *out)
{
    char *base;
    int err;

    if (size > SIZE_MAX - page) {
        errno = ENOMEM;
        return -1;
    }
    base = mmap(NULL, page + size, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1,
                0);
    if (base == MAP_FAILED)
        return -1;
    if (mprotect(base, page, PROT_NONE) != 0)
        goto out_unmap;
    out->lo = base + page;
    out->size = size;
    out->vg_id = vg_register(out->lo, size);
    return 0;

out_unmap:
    err = errno;
    munmap(base, page + size);
    errno = err;
    return -1;
}

static void stack_unmap(size_t page, weft__stack *s)
{
    vg_deregister(s->vg_id);
    munmap((char *)s->lo - page, page + s->size);
}

void weft__stack_pool_init(weft__stack_pool *p, size_t stack_size)
{
    long ps = sysconf(_SC_PAGESIZE);
    size_t page = ps > 0 ? (size_t)ps : 4096;

    if (stack_size == 0)
        stack_size = 1;
    /* Sizes too large to round up stay too large: stack_map refuses them. */
    if (stack_size <= SIZE_MAX - (page - 1))
        stack_size = (stack_size + page - 1) & ~(page - 1);
    p->stack_size = stack_size;
    p->page = page;
    p->count = 0;
}

int weft__stack_get(weft__stack_pool *p, weft__stack *out)
{
    if (p->count > 0) {
        *out = p->free[--p->count];
        return 0;
    }
    return stack_map(p->page, p->stack_size, out);
}

void weft__stack_put(weft__stack_pool *p, weft__stack *s)
{
    if (!s->lo)
        return;
    if (s->size != p->stack_size || p->count == WEFT__STACK_POOL_MAX)
        stack_unmap(p->page, s);
    else
        p->free[p->count++] = *s;
    memset(s, 0, sizeof *s);
}

void weft__stack_pool_destroy(weft__stack_pool *p)
{
    if (!p)
        return;
    while (p->count > 0)
        stack_unmap(p->page, &p->free[--p->count]);
}
