/*
 * source.h — decision sources: the scheduler's implementations of the
 * runtime's decider interface (runtime/decide.h).
 *
 * Every source records each decision it answers into a trace, so the trace
 * of a run and the trace of its replay are the same list, and their hashes
 * (the schedule's identity) are equal when the replay reproduced it.
 *
 *  - random: a seeded random walk; every decision uniform (injections at
 *    their configured rates).
 *  - pct: PCT (Burckhardt et al., ASPLOS 2010): random distinct priorities
 *    per task, d-1 change points over k picks, highest priority runs.
 *  - pos: partial order sampling (Yuan et al., CAV 2018): random priorities
 *    per pending operation, re-drawn for those conflicting with the one run.
 *  - dfs: depth-first search over every schedule (scheduler/dfs.c), with a
 *    preemption bound and sleep sets; its state spans a campaign.
 *  - replay: answers from a recorded trace and stops the execution at the
 *    first decision that no longer fits ("diverged at step 37: task 3 is not
 *    runnable").
 *
 * pct, pos and random answer choose() alike (uniform, injections at their
 * rates): weft__random_choose. Determinism: each source's answers depend on
 * its parameters, its seed and the questions asked, nothing else.
 */
#ifndef WEFT_SCHEDULER_SOURCE_H
#define WEFT_SCHEDULER_SOURCE_H

#include <stdbool.h>

#include "../runtime/decide.h"
#include "prng.h"
#include "strategy.h"
#include "trace.h"

/* Per-task numbers of pct and pos, kept by the campaign and reused by its
 * executions (grown when a larger task id shows up, never per point). */
typedef struct weft__prio {
    uint64_t *prio;   /* by task id: its priority */
    uint64_t *stamp;  /* by task id: when prio was set (see clock) */
    size_t cap;       /* entries of prio and stamp */
    uint64_t clock;   /* stamps handed out so far; never repeats */
} weft__prio;

typedef struct weft__dfs weft__dfs;

typedef struct weft__source {
    weft__decider base;        /* first: the runtime sees only this */
    weft__trace *rec;          /* every answer is appended here */
    bool oom;                  /* recording ran out of memory */
    /* random (and pct, pos for choose) */
    weft__prng prng;
    double cancel_rate, timeout_rate, inject_rate;
    /* replay */
    const weft__trace *from;
    size_t pos;
    char why[512];
    /* pct, pos */
    weft__prio *pr;            /* campaign-owned */
    uint64_t picks;            /* pick decisions answered so far */
    uint64_t epoch;            /* pct: this execution's stamp;
                                  pos: the stamp of the last pick */
    uint64_t low;              /* pct: the next lowered priority */
    uint64_t change[WEFT__PCT_MAX_DEPTH]; /* pct: change points (pick
                                             numbers), ascending */
    size_t n_change, next_change;
    uint64_t last_step;        /* pos: step of the last pick */
    uint32_t last_task;        /* pos: the task picked last */
    uint32_t last_obj;         /* pos: the object of its operation */
    /* dfs */
    weft__dfs *dfs;
} weft__source;

/* A random walk seeded with seed, recording into rec. */
void weft__random_init(weft__source *s, uint64_t seed, double cancel_rate,
                       double timeout_rate, double inject_rate,
                       weft__trace *rec);

/* Appends one answer to s->rec (s->oom on failure). */
void weft__source_record(weft__source *s, int kind, size_t n, uint32_t value);

/* The random answer to choose(kind, n), recorded: uniform for timers,
 * injections at s's rates. */
size_t weft__random_choose(weft__source *s, int kind, size_t n);

/* Makes pr hold task ids below n. 0, or -1 when out of memory. */
int weft__prio_reserve(weft__prio *pr, size_t n);
void weft__prio_free(weft__prio *pr);

/* PCT of depth >= 1 over k >= 1 expected picks, seeded with seed. */
void weft__pct_init(weft__source *s, uint64_t seed, uint32_t depth, uint64_t k,
                    double cancel_rate, double timeout_rate, double inject_rate,
                    weft__prio *pr, weft__trace *rec);

/* POS seeded with seed. */
void weft__pos_init(weft__source *s, uint64_t seed, double cancel_rate,
                    double timeout_rate, double inject_rate, weft__prio *pr,
                    weft__trace *rec);

/* A depth-first search with at most bound preemptions (-1: unbounded). NULL
 * when out of memory. */
weft__dfs *weft__dfs_new(int64_t bound);
void weft__dfs_free(weft__dfs *dfs);
/* Prepares s to answer the search's next execution. */
void weft__dfs_init(weft__source *s, weft__dfs *dfs, weft__trace *rec);
/* After an execution: moves to the next schedule. Returns false when every
 * schedule (within the bound, up to sleep-set equivalence) has run. */
bool weft__dfs_advance(weft__dfs *dfs);
/* Executions of the search started so far. */
uint64_t weft__dfs_executions(const weft__dfs *dfs);

/* Replays from's decisions, recording what it answers into rec. */
void weft__replay_init(weft__source *s, const weft__trace *from,
                       weft__trace *rec);
/* After a replayed execution: decisions of from that were never asked for
 * (0 when the replay consumed the whole trace). */
size_t weft__replay_unused(const weft__source *s);

#endif /* WEFT_SCHEDULER_SOURCE_H */
