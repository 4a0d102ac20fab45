/*
 * random.c — the seeded random walk: at each decision, every alternative is
 * equally likely; an injection fires with its configured probability.
 *
 * Determinism: the answers depend only on the seed and on the sequence of
 * questions, never on anything else (weft__prng's outputs are pinned by
 * tests/test_trace.c).
 *
 * Also here: the recording and choose() answer that pct and pos share, and
 * the per-task priority table they keep across a campaign.
 */
#include "source.h"

#include <stdlib.h>
#include <string.h>

void weft__source_record(weft__source *s, int kind, size_t n, uint32_t value)
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
    weft__source_record(s, WEFT__D_PICK, n, q[i].task);
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

size_t weft__random_choose(weft__source *s, int kind, size_t n)
{
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
    weft__source_record(s, kind, n, (uint32_t)v);
    return v;
}

static size_t random_choose(weft__decider *d, int kind, size_t n, uint64_t step)
{
    (void)step;
    return weft__random_choose((weft__source *)d, kind, n);
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

int weft__prio_reserve(weft__prio *pr, size_t n)
{
    if (n <= pr->cap)
        return 0;
    size_t cap = pr->cap ? pr->cap : 16;
    while (cap < n)
        cap *= 2;
    uint64_t *p = realloc(pr->prio, cap * sizeof *p);
    if (!p)
        return -1;
    pr->prio = p;
    uint64_t *st = realloc(pr->stamp, cap * sizeof *st);
    if (!st)
        return -1;
    /* stamp 0 is never handed out (clock is incremented before use) */
    memset(st + pr->cap, 0, (cap - pr->cap) * sizeof *st);
    pr->stamp = st;
    pr->cap = cap;
    return 0;
}

void weft__prio_free(weft__prio *pr)
{
    if (!pr)
        return;
    free(pr->prio);
    free(pr->stamp);
    memset(pr, 0, sizeof *pr);
}
