/*
 * minimize.c — delta debugging over schedules.
 *
 * A candidate is a list of decisions replayed leniently: each question
 * takes the next recorded answer when it still fits (same kind; for a pick,
 * the recorded task is runnable), and otherwise the non-preemptive default
 * (keep running the task that yielded, else the longest-waiting one; no
 * injection; the first timer). What the run actually answered is recorded,
 * so every kept candidate is a schedule that replays strictly.
 *
 * A candidate is kept only when the run fails with the same signature
 * (kind, location and message shape). Passes, in order: remove preemptions
 * one at a time; find the shortest prefix that still fails; clear injected
 * events one at a time.
 */
#include "minimize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/exec.h"
#include "explore.h"
#include "report.h"

typedef struct lenient {
    weft__decider base;
    const weft__decision *d;
    size_t n, pos;
    weft__trace *rec;
    bool *preempted;           /* per recorded decision: was a preemption */
    size_t preempted_cap;
    size_t preemptions;
    bool oom;
} lenient;

static void record(lenient *l, int kind, size_t n, uint32_t value, bool preempt)
{
    if (l->rec->len == l->preempted_cap) {
        size_t cap = l->preempted_cap ? l->preempted_cap * 2 : 256;
        bool *p = realloc(l->preempted, cap * sizeof *p);
        if (!p) {
            l->oom = true;
            return;
        }
        l->preempted = p;
        l->preempted_cap = cap;
    }
    l->preempted[l->rec->len] = preempt;
    if (weft__trace_push(l->rec, (uint8_t)kind, (uint32_t)n, value) != 0)
        l->oom = true;
    l->preemptions += preempt;
}

static size_t lenient_pick(weft__decider *dd, const weft__runnable *q, size_t n,
                           uint64_t step)
{
    lenient *l = (lenient *)dd;
    (void)step;
    size_t cur = SIZE_MAX, idx = SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        if (q[i].flags & WEFT__R_CURRENT)
            cur = i;
    if (l->pos < l->n && l->d[l->pos].kind == WEFT__D_PICK) {
        for (size_t i = 0; i < n && idx == SIZE_MAX; i++)
            if (q[i].task == l->d[l->pos].value)
                idx = i;
        l->pos++;
    }
    if (idx == SIZE_MAX)
        idx = cur != SIZE_MAX ? cur : 0;
    record(l, WEFT__D_PICK, n, q[idx].task, cur != SIZE_MAX && idx != cur);
    return idx;
}

static size_t lenient_choose(weft__decider *dd, int kind, size_t n, uint64_t step)
{
    lenient *l = (lenient *)dd;
    (void)step;
    size_t v = 0;
    if (l->pos < l->n && l->d[l->pos].kind == kind) {
        if (l->d[l->pos].value < n)
            v = l->d[l->pos].value;
        l->pos++;
    }
    record(l, kind, n, (uint32_t)v, false);
    return v;
}

typedef struct ctx {
    const char *name;
    weft_task_fn fn;
    void *arg;
    const weft__trace_header *h;
    uint64_t signature;
    unsigned runs, max_runs;
    lenient l;
    weft__trace rec;
} ctx;

/* Runs cand[0..n) leniently; true when it fails with the same signature.
 * c->rec then holds what was answered. */
static bool try_run(ctx *c, const weft__decision *cand, size_t n, weft__outcome *oc)
{
    c->runs++;
    weft__trace_reset(&c->rec);
    c->rec.h = *c->h;
    c->l.base.pick = lenient_pick;
    c->l.base.choose = lenient_choose;
    c->l.d = cand;
    c->l.n = n;
    c->l.pos = 0;
    c->l.rec = &c->rec;
    c->l.preemptions = 0;
    weft__exec_params p =
        weft__exec_params_from_header(c->h, &c->l.base, c->fn, c->arg, 0);
    if (weft__exec_run(&p, oc) != 0 || c->l.oom || oc->kind == WEFT_KIND_NONE)
        return false;
    c->rec.h.steps = oc->steps;
    return weft__failure_signature(oc->kind, oc->location, oc->message) == c->signature;
}

static void stats_of(const ctx *c, uint64_t steps, weft__min_stats *s)
{
    s->steps = steps;
    s->decisions = c->rec.len;
    s->preemptions = c->l.preemptions;
    s->injections = 0;
    for (size_t i = 0; i < c->rec.len; i++)
        if (c->rec.d[i].kind >= WEFT__D_CANCEL && c->rec.d[i].value)
            s->injections++;
}

/* The current best schedule: a copy of the last successful run. */
typedef struct best {
    weft__decision *d;
    bool *preempted;
    size_t n;
    uint64_t steps;
    size_t preemptions;
} best;

/* Whether the last run (in c) is smaller than b: fewer preemptions first,
 * then fewer decisions, then fewer steps. */
static bool smaller(const ctx *c, const best *b, uint64_t steps)
{
    if (c->l.preemptions != b->preemptions)
        return c->l.preemptions < b->preemptions;
    if (c->rec.len != b->n)
        return c->rec.len < b->n;
    return steps < b->steps;
}

static int keep(best *b, const ctx *c, uint64_t steps)
{
    weft__decision *d = malloc((c->rec.len ? c->rec.len : 1) * sizeof *d);
    bool *p = malloc((c->rec.len ? c->rec.len : 1) * sizeof *p);
    if (!d || !p) {
        free(d);
        free(p);
        return -1;
    }
    memcpy(d, c->rec.d, c->rec.len * sizeof *d);
    memcpy(p, c->l.preempted, c->rec.len * sizeof *p);
    free(b->d);
    free(b->preempted);
    b->d = d;
    b->preempted = p;
    b->n = c->rec.len;
    b->steps = steps;
    b->preemptions = c->l.preemptions;
    return 0;
}

/* Pass 1: replace each preempting pick by "keep running" when the failure
 * survives. The kept run may realign later decisions, so go on from i. */
static void drop_preemptions(ctx *c, best *b)
{
    weft__outcome oc;
    for (size_t i = 0; i < b->n && c->runs < c->max_runs; i++) {
        if (!b->preempted[i])
            continue;
        /* an out-of-range task id makes the lenient source keep running */
        weft__decision saved = b->d[i];
        b->d[i].value = UINT32_MAX;
        if (try_run(c, b->d, b->n, &oc) && smaller(c, b, oc.steps) &&
            keep(b, c, oc.steps) == 0)
            continue;
        b->d[i] = saved;
    }
}

/* Pass 2: the shortest prefix that still fails (binary search, then the
 * run's own answers become the schedule). */
static void shorten(ctx *c, best *b)
{
    weft__outcome oc;
    size_t lo = 0, hi = b->n;
    while (lo < hi && c->runs < c->max_runs) {
        size_t mid = lo + (hi - lo) / 2;
        if (try_run(c, b->d, mid, &oc))
            hi = mid;
        else
            lo = mid + 1;
    }
    if (hi < b->n && try_run(c, b->d, hi, &oc) && smaller(c, b, oc.steps))
        keep(b, c, oc.steps);
}

/* Pass 3: clear injected events one at a time. */
static void drop_injections(ctx *c, best *b)
{
    weft__outcome oc;
    for (size_t i = 0; i < b->n && c->runs < c->max_runs; i++) {
        if (b->d[i].kind < WEFT__D_CANCEL || b->d[i].value == 0)
            continue;
        uint32_t saved = b->d[i].value;
        b->d[i].value = 0;
        if (try_run(c, b->d, b->n, &oc) && keep(b, c, oc.steps) == 0)
            continue; /* one injection fewer is smaller whatever else moved */
        b->d[i].value = saved;
    }
}

int weft__minimize(const char *name, weft_task_fn fn, void *arg,
                   const weft__trace *from, unsigned max_runs,
                   weft__min_result *out, char *err, size_t err_len)
{
    ctx c = {.name = name, .fn = fn, .arg = arg, .h = &from->h,
             .max_runs = max_runs ? max_runs : 2000};
    best b = {0};
    weft__outcome oc;
    int rc = -1;
    memset(out, 0, sizeof *out);
    weft__trace_init(&c.rec);
    weft__trace_init(&out->trace);
    /* the original, replayed strictly as recorded, fixes the signature */
    c.signature = 0;
    c.runs++;
    if (weft__replay_trace(name, fn, arg, from, NULL, &c.rec, &oc, err, err_len) != 0)
        goto out_free;
    if (oc.kind == WEFT_KIND_NONE || oc.kind == WEFT_KIND_DIVERGED) {
        snprintf(err, err_len, "the schedule does not reproduce a failure (%s)",
                 oc.kind == WEFT_KIND_NONE ? "it passes" : oc.message);
        goto out_free;
    }
    c.signature = weft__failure_signature(oc.kind, oc.location, oc.message);
    if (!try_run(&c, from->d, from->len, &oc) || keep(&b, &c, oc.steps) != 0) {
        snprintf(err, err_len, "the schedule does not replay leniently to the same failure");
        goto out_free;
    }
    stats_of(&c, oc.steps, &out->before);
    drop_preemptions(&c, &b);
    shorten(&c, &b);
    drop_injections(&c, &b);
    /* final run of the best, to record it and its statistics */
    if (!try_run(&c, b.d, b.n, &oc)) {
        snprintf(err, err_len, "internal: the minimized schedule no longer fails");
        goto out_free;
    }
    stats_of(&c, oc.steps, &out->after);
    out->trace.h = c.rec.h;
    for (size_t i = 0; i < c.rec.len; i++)
        if (weft__trace_push(&out->trace, c.rec.d[i].kind, c.rec.d[i].n, c.rec.d[i].value))
            goto out_free;
    out->signature = c.signature;
    out->runs = c.runs;
    rc = 0;
out_free:
    free(b.d);
    free(b.preempted);
    free(c.l.preempted);
    weft__trace_free(&c.rec);
    if (rc != 0)
        weft__trace_free(&out->trace);
    return rc;
}
