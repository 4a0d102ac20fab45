/*
 * arena.c — bump allocation in chunks, rewound per execution.
 *
 * Invariant: a chunk is either the head (being filled), behind the head in
 * the used list, or on the spare list; rewinding moves every used chunk to
 * the spare list without freeing it. Oversized requests get a chunk of their
 * own, which is freed (not kept) on rewind so one huge execution does not
 * pin its memory for the rest of the campaign.
 */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK (64 * 1024)
#define ARENA_ALIGN 16

struct weft__arena_chunk {
    weft__arena_chunk *next;
    size_t size;               /* usable bytes in data[] */
    size_t used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

void weft__arena_init(weft__arena *a)
{
    a->head = NULL;
    a->spare = NULL;
    a->used_chunks = 0;
}

static weft__arena_chunk *chunk_new(size_t size)
{
    weft__arena_chunk *c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

static weft__arena_chunk *chunk_take(weft__arena *a, size_t need)
{
    if (need <= ARENA_CHUNK && a->spare) {
        weft__arena_chunk *c = a->spare;
        a->spare = c->next;
        c->used = 0;
        return c;
    }
    return chunk_new(need > ARENA_CHUNK ? need : ARENA_CHUNK);
}

void *weft__arena_alloc(weft__arena *a, size_t size)
{
    size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (size == 0)
        size = ARENA_ALIGN;
    weft__arena_chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        c = chunk_take(a, size);
        if (!c)
            return NULL;
        c->next = a->head;
        a->head = c;
        a->used_chunks++;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

void weft__arena_rewind(weft__arena *a)
{
    weft__arena_chunk *c = a->head;
    while (c) {
        weft__arena_chunk *next = c->next;
        if (c->size > ARENA_CHUNK) {
            free(c);
        } else {
            c->next = a->spare;
            a->spare = c;
        }
        c = next;
    }
    a->head = NULL;
    a->used_chunks = 0;
}

void weft__arena_destroy(weft__arena *a)
{
    weft__arena_rewind(a);
    while (a->spare) {
        weft__arena_chunk *next = a->spare->next;
        free(a->spare);
        a->spare = next;
    }
}
