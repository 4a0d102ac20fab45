/*
 * distinct.c — exact set, then HyperLogLog (Flajolet et al. 2007, with the
 * small-range correction by linear counting).
 *
 * The input hashes are XXH3 values, already uniform; the register index is
 * the top WEFT__HLL_BITS bits and the rank is counted in the rest.
 */
#include "distinct.h"

#include <math.h>
#include <stdlib.h>

#define M ((size_t)1 << WEFT__HLL_BITS)

int weft__distinct_init(weft__distinct *d)
{
    d->slot = calloc(WEFT__DISTINCT_SLOTS, sizeof *d->slot);
    d->reg = calloc(M, 1);
    d->n = 0;
    d->saturated = false;
    if (!d->slot || !d->reg) {
        weft__distinct_free(d);
        return -1;
    }
    return 0;
}

static void hll_add(weft__distinct *d, uint64_t h)
{
    size_t j = (size_t)(h >> (64 - WEFT__HLL_BITS));
    uint64_t rest = h << WEFT__HLL_BITS;
    uint8_t rank = rest ? (uint8_t)(__builtin_clzll(rest) + 1) : (uint8_t)(64 - WEFT__HLL_BITS + 1);
    if (rank > d->reg[j])
        d->reg[j] = rank;
}

void weft__distinct_add(weft__distinct *d, uint64_t h)
{
    if (!d->reg)
        return;
    hll_add(d, h);
    if (d->saturated)
        return;
    uint64_t key = h | 1; /* 0 marks an empty slot */
    size_t i = (size_t)(h * 0x9e3779b97f4a7c15ull >> 51) & (WEFT__DISTINCT_SLOTS - 1);
    while (d->slot[i] && d->slot[i] != key)
        i = (i + 1) & (WEFT__DISTINCT_SLOTS - 1);
    if (d->slot[i])
        return;
    if (d->n == WEFT__DISTINCT_EXACT) {
        d->saturated = true; /* from now on the estimate counts */
        return;
    }
    d->slot[i] = key;
    d->n++;
}

static double hll_estimate(const weft__distinct *d)
{
    double sum = 0;
    size_t zeros = 0;
    for (size_t j = 0; j < M; j++) {
        sum += ldexp(1.0, -(int)d->reg[j]);
        zeros += d->reg[j] == 0;
    }
    double m = (double)M;
    double e = 0.7213 / (1 + 1.079 / m) * m * m / sum;
    if (e <= 2.5 * m && zeros)
        e = m * log(m / (double)zeros);
    return e;
}

uint64_t weft__distinct_count(const weft__distinct *d, bool *exact)
{
    if (exact)
        *exact = !d->saturated;
    if (!d->saturated)
        return d->n;
    double e = hll_estimate(d);
    return e < (double)WEFT__DISTINCT_EXACT ? WEFT__DISTINCT_EXACT : (uint64_t)llround(e);
}

void weft__distinct_free(weft__distinct *d)
{
    free(d->slot);
    free(d->reg);
    d->slot = NULL;
    d->reg = NULL;
}
