/*
 * distinct.h — counting distinct schedules in fixed memory.
 *
 * Exact up to WEFT__DISTINCT_EXACT schedule hashes (an open-addressing
 * set), then a HyperLogLog estimate (2^14 registers, about 0.8% standard
 * error) that has seen every hash from the start. Memory is allocated once
 * per campaign and never grows, so a campaign's resident memory after a
 * million executions is what it was after ten thousand.
 */
#ifndef WEFT_SCHEDULER_DISTINCT_H
#define WEFT_SCHEDULER_DISTINCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEFT__DISTINCT_SLOTS 8192
#define WEFT__DISTINCT_EXACT 6144
#define WEFT__HLL_BITS 14

typedef struct weft__distinct {
    uint64_t *slot;            /* WEFT__DISTINCT_SLOTS, 0 = empty */
    uint8_t *reg;              /* 2^WEFT__HLL_BITS registers */
    size_t n;                  /* exact count while !saturated */
    bool saturated;
} weft__distinct;

/* 0, or -1 when out of memory (then counts stay 0). */
int weft__distinct_init(weft__distinct *d);
void weft__distinct_add(weft__distinct *d, uint64_t hash);
/* The count: exact while *exact, else the estimate. */
uint64_t weft__distinct_count(const weft__distinct *d, bool *exact);
void weft__distinct_free(weft__distinct *d);

#endif /* WEFT_SCHEDULER_DISTINCT_H */
