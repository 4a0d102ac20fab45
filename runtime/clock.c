/*
 * clock.c — the indexed min-heap behind the virtual clock's timers.
 *
 * Invariant: for every armed timer t, ts->h[t->idx] == t, and the heap
 * property holds on (when, seq).
 */
#include "clock.h"

#include <stdlib.h>

void weft__timers_init(weft__timers *ts)
{
    ts->h = NULL;
    ts->n = ts->cap = 0;
    ts->seq = 0;
}

void weft__timers_reset(weft__timers *ts)
{
    for (size_t i = 0; i < ts->n; i++)
        ts->h[i]->idx = UINT32_MAX;
    ts->n = 0;
    ts->seq = 0;
}

void weft__timers_free(weft__timers *ts)
{
    free(ts->h);
    weft__timers_init(ts);
}

static bool before(const weft__timer *a, const weft__timer *b)
{
    return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static void place(weft__timers *ts, size_t i, weft__timer *t)
{
    ts->h[i] = t;
    t->idx = (uint32_t)i;
}

static void sift_up(weft__timers *ts, size_t i)
{
    weft__timer *t = ts->h[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(t, ts->h[parent]))
            break;
        place(ts, i, ts->h[parent]);
        i = parent;
    }
    place(ts, i, t);
}

static void sift_down(weft__timers *ts, size_t i)
{
    weft__timer *t = ts->h[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        weft__timer *best = t;
        if (l < ts->n && before(ts->h[l], best)) {
            m = l;
            best = ts->h[l];
        }
        if (r < ts->n && before(ts->h[r], best))
            m = r;
        if (m == i)
            break;
        place(ts, i, ts->h[m]);
        i = m;
    }
    place(ts, i, t);
}

int weft__timers_arm(weft__timers *ts, weft__timer *t, int64_t when)
{
    if (weft__timer_armed(t))
        weft__timers_disarm(ts, t);
    if (ts->n == ts->cap) {
        size_t cap = ts->cap ? ts->cap * 2 : 64;
        weft__timer **h = realloc(ts->h, cap * sizeof *h);
        if (!h)
            return -1;
        ts->h = h;
        ts->cap = cap;
    }
    t->when = when;
    t->seq = ts->seq++;
    place(ts, ts->n++, t);
    sift_up(ts, t->idx);
    return 0;
}

void weft__timers_disarm(weft__timers *ts, weft__timer *t)
{
    if (!weft__timer_armed(t))
        return;
    size_t i = t->idx;
    t->idx = UINT32_MAX;
    ts->n--;
    if (i == ts->n)
        return;
    weft__timer *moved = ts->h[ts->n];
    place(ts, i, moved);
    sift_down(ts, i);
    if (moved->idx == i)
        sift_up(ts, i);
}
