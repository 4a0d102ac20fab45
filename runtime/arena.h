/*
 * arena.h — memory that belongs to one execution.
 *
 * Every object an execution creates (task, group, scope, primitive) comes
 * from its arena and is released at once when the execution ends, by
 * rewinding. Chunks are kept for the next execution, so a campaign of
 * millions of executions reaches a steady state and stops allocating.
 */
#ifndef WEFT_RUNTIME_ARENA_H
#define WEFT_RUNTIME_ARENA_H

#include <stddef.h>

typedef struct weft__arena_chunk weft__arena_chunk;

typedef struct weft__arena {
    weft__arena_chunk *head;   /* chunk being filled */
    weft__arena_chunk *spare;  /* rewound chunks, reused first */
    size_t used_chunks;        /* statistics */
} weft__arena;

void weft__arena_init(weft__arena *a);
/* Zeroed memory aligned for any type, or NULL when out of memory. */
void *weft__arena_alloc(weft__arena *a, size_t size);
/* Releases everything allocated so far; keeps the chunks for reuse. */
void weft__arena_rewind(weft__arena *a);
void weft__arena_destroy(weft__arena *a);

#endif /* WEFT_RUNTIME_ARENA_H */
