/*
 * pct.c — Probabilistic Concurrency Testing (Burckhardt, Kothari,
 * Musuvathi, Nagarakatte, ASPLOS 2010).
 *
 * Each task gets a random priority when it first shows up as runnable (its
 * rank among the others uniform); d-1 change points are drawn uniformly,
 * without repetition, among pick numbers 1..k; at every pick the runnable
 * task with the highest priority runs, and at a change point the task that
 * would have run first drops below every other priority (later drops go
 * lower still), which forces a switch exactly there. A bug of depth d shows
 * with probability at least 1/(n k^(d-1)).
 *
 * Priorities: initial ones in [2^62, 2^63), lowered ones count down from
 * 2^62 - 1, so a lowered task is below every task that was not. Ties between
 * initial draws (probability 2^-62) go to the earlier entry of the run
 * queue. Determinism: the draws happen in run-queue order, so the answers
 * depend only on (seed, d, k) and the questions.
 */
#include "source.h"

#include <string.h>

#define PRIO_HIGH ((uint64_t)1 << 62)

/* Draws d-1 distinct change points in [1, k] (all of them when k <= d-1),
 * ascending. */
static void draw_change_points(weft__source *s, uint32_t depth, uint64_t k)
{
    size_t want = depth - 1;
    if (k <= want) {
        for (uint64_t c = 1; c <= k; c++)
            s->change[s->n_change++] = c;
        return;
    }
    while (s->n_change < want) {
        uint64_t c = 1 + weft__prng_below(&s->prng, k);
        size_t i = s->n_change;
        bool dup = false;
        for (size_t j = 0; j < s->n_change; j++)
            dup |= s->change[j] == c;
        if (dup)
            continue;
        while (i > 0 && s->change[i - 1] > c) { /* insertion keeps them sorted */
            s->change[i] = s->change[i - 1];
            i--;
        }
        s->change[i] = c;
        s->n_change++;
    }
}

/* Gives every task of q that has none in this execution its priority.
 * Returns false when out of memory. */
static bool assign(weft__source *s, const weft__runnable *q, size_t n)
{
    weft__prio *pr = s->pr;
    for (size_t i = 0; i < n; i++) {
        uint32_t t = q[i].task;
        if (weft__prio_reserve(pr, (size_t)t + 1) != 0)
            return false;
        if (pr->stamp[t] != s->epoch) {
            pr->stamp[t] = s->epoch;
            pr->prio[t] = PRIO_HIGH + (weft__prng_next(&s->prng) >> 2);
        }
    }
    return true;
}

static size_t highest(const weft__source *s, const weft__runnable *q, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (s->pr->prio[q[i].task] > s->pr->prio[q[best].task])
            best = i;
    return best;
}

static size_t pct_pick(weft__decider *d, const weft__runnable *q, size_t n,
                       uint64_t step)
{
    weft__source *s = (weft__source *)d;
    (void)step;
    if (!assign(s, q, n)) {
        s->oom = true;
        return 0;
    }
    s->picks++;
    size_t i = highest(s, q, n);
    if (s->next_change < s->n_change && s->change[s->next_change] == s->picks) {
        s->next_change++;
        s->pr->prio[q[i].task] = s->low--;
        i = highest(s, q, n);
    }
    weft__source_record(s, WEFT__D_PICK, n, q[i].task);
    return i;
}

static size_t pct_choose(weft__decider *d, int kind, size_t n, uint64_t step)
{
    (void)step;
    return weft__random_choose((weft__source *)d, kind, n);
}

void weft__pct_init(weft__source *s, uint64_t seed, uint32_t depth, uint64_t k,
                    double cancel_rate, double timeout_rate, double inject_rate,
                    weft__prio *pr, weft__trace *rec)
{
    memset(s, 0, sizeof *s);
    s->base.pick = pct_pick;
    s->base.choose = pct_choose;
    s->rec = rec;
    s->cancel_rate = cancel_rate;
    s->timeout_rate = timeout_rate;
    s->inject_rate = inject_rate;
    s->pr = pr;
    s->epoch = ++pr->clock;
    s->low = PRIO_HIGH - 1;
    weft__prng_seed(&s->prng, seed);
    if (depth > WEFT__PCT_MAX_DEPTH)
        depth = WEFT__PCT_MAX_DEPTH;
    draw_change_points(s, depth ? depth : 1, k ? k : 1);
}
