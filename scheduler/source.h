/*
 * source.h — decision sources: the scheduler's implementations of the
 * runtime's decider interface (runtime/decide.h).
 *
 * Every source records each decision it answers into a trace, so the trace
 * of a random run and the trace of its replay are the same list, and their
 * hashes (the schedule's identity) are equal when the replay reproduced it.
 *
 *  - random: a seeded random walk; every decision uniform (injections at
 *    their configured rates).
 *  - replay: answers from a recorded trace and stops the execution at the
 *    first decision that no longer fits ("diverged at step 37: task 3 is not
 *    runnable").
 */
#ifndef WEFT_SCHEDULER_SOURCE_H
#define WEFT_SCHEDULER_SOURCE_H

#include <stdbool.h>

#include "../runtime/decide.h"
#include "prng.h"
#include "trace.h"

typedef struct weft__source {
    weft__decider base;        /* first: the runtime sees only this */
    weft__trace *rec;          /* every answer is appended here */
    bool oom;                  /* recording ran out of memory */
    /* random */
    weft__prng prng;
    double cancel_rate, timeout_rate, inject_rate;
    /* replay */
    const weft__trace *from;
    size_t pos;
    char why[512];
} weft__source;

/* A random walk seeded with seed, recording into rec. */
void weft__random_init(weft__source *s, uint64_t seed, double cancel_rate,
                       double timeout_rate, double inject_rate,
                       weft__trace *rec);

/* Replays from's decisions, recording what it answers into rec. */
void weft__replay_init(weft__source *s, const weft__trace *from,
                       weft__trace *rec);
/* After a replayed execution: decisions of from that were never asked for
 * (0 when the replay consumed the whole trace). */
size_t weft__replay_unused(const weft__source *s);

#endif /* WEFT_SCHEDULER_SOURCE_H */
