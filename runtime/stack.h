/*
 * stack.h — fiber stacks: mmap'd regions with a guard page, pooled by size.
 *
 * Each stack is [guard page, PROT_NONE][size usable bytes, read/write],
 * mapped with MAP_NORESERVE so untouched pages cost nothing. A stack overflow
 * runs into the guard page and faults instead of corrupting a neighbour.
 *
 * A pool holds stacks of one size that nobody uses, to hand out again
 * without a system call: executions are many, stacks few.
 *
 * Invariants:
 *  - A pooled stack is mapped, registered with Valgrind (when built with its
 *    header) and owned by the pool; a stack handed out by weft__stack_get is
 *    owned by the caller until weft__stack_put.
 *  - A pool never holds more than WEFT__STACK_POOL_MAX stacks; beyond that,
 *    weft__stack_put unmaps.
 *  - No allocation in get/put: the pool is a fixed array inside the struct.
 *  - Not thread-safe: one pool per OS thread (or a lock around it).
 */
#ifndef WEFT_RUNTIME_STACK_H
#define WEFT_RUNTIME_STACK_H

#include <stddef.h>

/* Most stacks one pool keeps for reuse. */
#ifndef WEFT__STACK_POOL_MAX
#define WEFT__STACK_POOL_MAX 1024
#endif

typedef struct weft__stack {
    void *lo;        /* lowest usable byte (just above the guard page) */
    size_t size;     /* usable bytes; a multiple of the page size */
    unsigned vg_id;  /* Valgrind's stack id, 0 when not under Valgrind */
} weft__stack;

typedef struct weft__stack_pool {
    size_t stack_size; /* usable bytes of every stack, page multiple */
    size_t page;       /* page size = guard size */
    size_t count;      /* stacks in free[0..count) */
    weft__stack free[WEFT__STACK_POOL_MAX]; /* LIFO: the warmest on top */
} weft__stack_pool;

/* Sets up an empty pool whose stacks have stack_size usable bytes, rounded
 * up to whole pages (at least one). */
void weft__stack_pool_init(weft__stack_pool *p, size_t stack_size);

/* Hands out a stack: the most recently pooled one, or a new mapping.
 * Returns 0 and fills *out, or -1 (errno set) when mmap/mprotect failed. */
int weft__stack_get(weft__stack_pool *p, weft__stack *out);

/* Gives s back to the pool (or unmaps it if the pool is full). s must come
 * from weft__stack_get on a pool of the same stack size, and no fiber may
 * still run on it. *s is cleared. */
void weft__stack_put(weft__stack_pool *p, weft__stack *s);

/* Unmaps every pooled stack; the pool is empty (and reusable) afterwards.
 * Stacks still handed out are not touched. Accepts NULL. */
void weft__stack_pool_destroy(weft__stack_pool *p);

#endif /* WEFT_RUNTIME_STACK_H */
