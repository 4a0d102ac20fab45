/*
 * replay.c — answers decisions from a recorded trace.
 *
 * Each question must match the next recorded decision: same kind, same
 * number of alternatives, and for a pick, the recorded task must be
 * runnable. The first mismatch stops the execution as "diverged", with the
 * step and what no longer fits, instead of silently running something else.
 */
#include "source.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static size_t stop(weft__source *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static size_t stop(weft__source *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->why, sizeof s->why, fmt, ap);
    va_end(ap);
    s->base.why = s->why;
    return WEFT__DECIDE_STOP;
}

static const weft__decision *next(weft__source *s, int kind, size_t n)
{
    if (s->pos >= s->from->len) {
        stop(s, "the trace ended after %zu decisions, but the program asks for a "
                "%s decision among %zu", s->from->len, weft__dkind_name((unsigned)kind), n);
        return NULL;
    }
    const weft__decision *d = &s->from->d[s->pos];
    if (d->kind != kind) {
        stop(s, "decision %zu: the trace has a %s decision, but the program asks for a "
                "%s decision", s->pos + 1, weft__dkind_name(d->kind),
             weft__dkind_name((unsigned)kind));
        return NULL;
    }
    if (kind != WEFT__D_PICK && d->n != n) {
        stop(s, "decision %zu: the trace chose among %u alternatives, the program "
                "offers %zu", s->pos + 1, d->n, n);
        return NULL;
    }
    s->pos++;
    return d;
}

static void record(weft__source *s, int kind, size_t n, uint32_t value)
{
    if (weft__trace_push(s->rec, (uint8_t)kind, (uint32_t)n, value) != 0)
        s->oom = true;
}

static size_t replay_pick(weft__decider *dd, const weft__runnable *q, size_t n,
                          uint64_t step)
{
    weft__source *s = (weft__source *)dd;
    (void)step;
    const weft__decision *d = next(s, WEFT__D_PICK, n);
    if (!d)
        return WEFT__DECIDE_STOP;
    for (size_t i = 0; i < n; i++)
        if (q[i].task == d->value) {
            if (d->n != n)
                break;
            record(s, WEFT__D_PICK, n, d->value);
            return i;
        }
    char runnable[256];
    size_t off = 0;
    for (size_t i = 0; i < n && off < sizeof runnable; i++)
        off += (size_t)snprintf(runnable + off, sizeof runnable - off, "%s%u",
                                i ? ", " : "", q[i].task);
    return stop(s, "task %u is not runnable (runnable: %s; the trace had %u runnable)",
                d->value, runnable, d->n);
}

static size_t replay_choose(weft__decider *dd, int kind, size_t n, uint64_t step)
{
    weft__source *s = (weft__source *)dd;
    (void)step;
    const weft__decision *d = next(s, kind, n);
    if (!d)
        return WEFT__DECIDE_STOP;
    record(s, kind, n, d->value);
    return d->value;
}

void weft__replay_init(weft__source *s, const weft__trace *from,
                       weft__trace *rec)
{
    memset(s, 0, sizeof *s);
    s->base.pick = replay_pick;
    s->base.choose = replay_choose;
    s->rec = rec;
    s->from = from;
}

size_t weft__replay_unused(const weft__source *s)
{
    return s->from->len - s->pos;
}
