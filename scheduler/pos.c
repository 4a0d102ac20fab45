/*
 * pos.c — Partial Order Sampling (Yuan, Yang, Gu, CAV 2018).
 *
 * Every pending operation (a runnable task's next step, with the object it
 * touches) carries a random priority, and the highest runs. After it ran,
 * the pending operations that conflict with it (same object, not 0) draw new
 * priorities, and every operation that was not pending before (the task that
 * ran, tasks that became runnable) draws a fresh one. That samples partial
 * orders far more evenly than a random walk, which favours schedules that
 * switch often.
 *
 * "Pending before": an entry keeps its priority only when the same task was
 * in the previous pick's run queue, was not picked, and no scheduling point
 * passed unasked in between (the step right after the previous pick): the
 * runtime runs a lone runnable task without asking, and such a task's
 * operation is then a new one. Stamps (weft__prio.clock) mark which tasks
 * were pending at the previous pick, so nothing is cleared per pick.
 * Determinism: draws happen in run-queue order.
 */
#include "source.h"

#include <string.h>

static size_t pos_pick(weft__decider *d, const weft__runnable *q, size_t n,
                       uint64_t step)
{
    weft__source *s = (weft__source *)d;
    weft__prio *pr = s->pr;
    bool follows = s->picks > 0 && step == s->last_step + 1;
    uint64_t prev = s->epoch, now = ++pr->clock;
    size_t best = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t t = q[i].task;
        if (weft__prio_reserve(pr, (size_t)t + 1) != 0) {
            s->oom = true;
            return 0;
        }
        bool kept = follows && pr->stamp[t] == prev && t != s->last_task &&
                    !(q[i].obj != 0 && q[i].obj == s->last_obj);
        if (!kept)
            pr->prio[t] = weft__prng_next(&s->prng);
        pr->stamp[t] = now;
        if (pr->prio[t] > pr->prio[q[best].task])
            best = i;
    }
    s->picks++;
    s->epoch = now;
    s->last_step = step;
    s->last_task = q[best].task;
    s->last_obj = q[best].obj;
    weft__source_record(s, WEFT__D_PICK, n, q[best].task);
    return best;
}

static size_t pos_choose(weft__decider *d, int kind, size_t n, uint64_t step)
{
    (void)step;
    return weft__random_choose((weft__source *)d, kind, n);
}

void weft__pos_init(weft__source *s, uint64_t seed, double cancel_rate,
                    double timeout_rate, double inject_rate, weft__prio *pr,
                    weft__trace *rec)
{
    memset(s, 0, sizeof *s);
    s->base.pick = pos_pick;
    s->base.choose = pos_choose;
    s->rec = rec;
    s->cancel_rate = cancel_rate;
    s->timeout_rate = timeout_rate;
    s->inject_rate = inject_rate;
    s->pr = pr;
    weft__prng_seed(&s->prng, seed);
}
