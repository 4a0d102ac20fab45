/*
 * random.c — the seeded random walk: at each decision, every alternative is
 * equally likely; an injection fires with its configured probability.
 *
 * Determinism: the answers depend only on the seed and on the sequence of
 * questions, never on anything else (weft__prng's outputs are pinned by
 * tests/test_trace.c).
 */
#include "source.h"

#include <string.h>

static void record(weft__source *s, int kind, size_t n, uint32_t value)
{
    if (weft__trace_push(s->rec, (uint8_t)kind, (uint32_t)n, value) != 0)
        s->oom = true;
}

static size_t random_pick(weft__decider *d, const weft__runnable *q, size_t n,
                          uint64_t step)
{
    weft__source *s = (weft__source *)d;
    (void)step;
    size_t i = (size_t)weft__prng_below(&s->prng, n);
    record(s, WEFT__D_PICK, n, q[i].task);
    return i;
}

static double rate_of(const weft__source *s, int kind)
{
    switch (kind) {
    case WEFT__D_CANCEL: return s->cancel_rate;
    case WEFT__D_TIMEOUT: return s->timeout_rate;
    case WEFT__D_INJECT: return s->inject_rate;
    default: return -1;
    }
}

static size_t random_choose(weft__decider *d, int kind, size_t n, uint64_t step)
{
    weft__source *s = (weft__source *)d;
    (void)step;
    double rate = rate_of(s, kind);
    size_t v;
    if (rate < 0) {
        v = (size_t)weft__prng_below(&s->prng, n);
    } else if (weft__prng_unit(&s->prng) < rate) {
        /* 0 is "no injection"; an injection picks one of the others */
        v = 1 + (n > 2 ? (size_t)weft__prng_below(&s->prng, n - 1) : 0);
    } else {
        v = 0;
    }
    record(s, kind, n, (uint32_t)v);
    return v;
}

void weft__random_init(weft__source *s, uint64_t seed, double cancel_rate,
                       double timeout_rate, double inject_rate,
                       weft__trace *rec)
{
    memset(s, 0, sizeof *s);
    s->base.pick = random_pick;
    s->base.choose = random_choose;
    s->rec = rec;
    s->cancel_rate = cancel_rate;
    s->timeout_rate = timeout_rate;
    s->inject_rate = inject_rate;
    weft__prng_seed(&s->prng, seed);
}
