/*
 * prng.h — the one pseudo-random generator of weft: splitmix64 to expand a
 * seed, xoshiro256** (Blackman & Vigna, 2018) for the draws.
 *
 * Invariant: the output sequence for a given seed NEVER changes. Seeds printed
 * in failure reports, traces recorded by users and seeds in stored failures are
 * replayed through these functions, so changing any constant, the seeding
 * order, the rejection rule of weft__prng_below or the bit selection of
 * weft__prng_unit silently breaks every recorded reproduction. Tests pin the
 * first outputs for seeds 0 and 42 (tests/test_trace.c); if they fail, the
 * change is wrong, not the test.
 *
 * Header-only and allocation-free: a weft__prng is 32 bytes of plain state,
 * copyable, with no global state anywhere, so two generators seeded alike
 * produce the same stream in every process, build type and thread.
 */
#ifndef WEFT_SCHEDULER_PRNG_H
#define WEFT_SCHEDULER_PRNG_H

#include <stdint.h>

typedef struct weft__prng {
    uint64_t s[4]; /* xoshiro256** state; never all zero after seeding */
} weft__prng;

/* Advances *x by the golden-ratio increment and returns its mix (splitmix64,
 * Steele, Lea & Flood). Every 64-bit *x is fine. */
static inline uint64_t weft__splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Seeds p from any 64-bit seed, 0 included: the state is four consecutive
 * splitmix64 outputs, which are never all zero (splitmix64's finaliser is a
 * bijection, so at most one of four distinct inputs maps to 0). */
static inline void weft__prng_seed(weft__prng *p, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        p->s[i] = weft__splitmix64(&x);
}

/* 64x64 -> 128-bit products (a gcc/clang extension, quiet under -pedantic). */
__extension__ typedef unsigned __int128 weft__prng_u128;

static inline uint64_t weft__prng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* Next 64 uniformly distributed bits (xoshiro256**). */
static inline uint64_t weft__prng_next(weft__prng *p)
{
    uint64_t *s = p->s;
    uint64_t result = weft__prng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = weft__prng_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n), n >= 1, without bias: Lemire's multiply-shift, redrawing
 * while the low half of the product falls in the 2^64 mod n short interval.
 * Consumes one draw except in the rare (< n / 2^64) rejection case. */
static inline uint64_t weft__prng_below(weft__prng *p, uint64_t n)
{
    weft__prng_u128 m = (weft__prng_u128)weft__prng_next(p) * n;
    uint64_t low = (uint64_t)m;

    if (low < n) {
        uint64_t threshold = (0 - n) % n; /* 2^64 mod n */
        while (low < threshold) {
            m = (weft__prng_u128)weft__prng_next(p) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/* Uniform in [0, 1) on the 2^53 grid: the top 53 bits of one draw. */
static inline double weft__prng_unit(weft__prng *p)
{
    return (double)(weft__prng_next(p) >> 11) * 0x1.0p-53;
}

#endif /* WEFT_SCHEDULER_PRNG_H */
