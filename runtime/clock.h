/*
 * clock.h — timers of the virtual clock: an indexed binary min-heap.
 *
 * Timers order by (when, seq): seq is the arming order, so ties never depend
 * on memory layout. Which of several timers due at the same instant fires
 * first is still a scheduling decision, taken by the caller (sched.c); the
 * heap order only makes the candidate list deterministic.
 */
#ifndef WEFT_RUNTIME_CLOCK_H
#define WEFT_RUNTIME_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum weft__timer_kind {
    WEFT__TM_DEADLINE = 1, /* a cancel scope's deadline */
    WEFT__TM_SLEEP = 2,    /* a task's sleep */
};

typedef struct weft__timer {
    int64_t when;
    uint64_t seq;
    uint32_t idx;          /* position in the heap; UINT32_MAX: not armed */
    uint8_t kind;
} weft__timer;

typedef struct weft__timers {
    weft__timer **h;
    size_t n, cap;
    uint64_t seq;
} weft__timers;

void weft__timers_init(weft__timers *ts);
void weft__timers_reset(weft__timers *ts);   /* forget all, keep memory */
void weft__timers_free(weft__timers *ts);
static inline bool weft__timer_armed(const weft__timer *t)
{
    return t->idx != UINT32_MAX;
}
static inline void weft__timer_clear(weft__timer *t)
{
    t->idx = UINT32_MAX;
}
/* Arms (or re-arms) t at when. Returns 0, -1 when out of memory. */
int weft__timers_arm(weft__timers *ts, weft__timer *t, int64_t when);
void weft__timers_disarm(weft__timers *ts, weft__timer *t);
/* Earliest armed timer, or NULL. */
static inline weft__timer *weft__timers_top(const weft__timers *ts)
{
    return ts->n ? ts->h[0] : NULL;
}

#endif /* WEFT_RUNTIME_CLOCK_H */
