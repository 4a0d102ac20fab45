/*
 * observe.c — handing execution events to an observer (for reports).
 *
 * The emit points in the runtime cost one predictable branch when no
 * observer is set; this file fills in what every event shares (step, time)
 * and calls the observer. Observing never changes a decision.
 */
#include "rt.h"

void weft__emit_slow(weft__rt *rt, weft__event *ev)
{
    ev->step = rt->step;
    ev->time = rt->now;
    rt->p.observe(rt->p.observe_ctx, ev);
}
