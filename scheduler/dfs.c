/*
 * dfs.c — exhaustive depth-first search over schedules, with a preemption
 * bound (CHESS's context bounding, Musuvathi & Qadeer, PLDI 2007) and sleep
 * sets (Godefroid, 1996) over object-level independence.
 *
 * The search is stateless: each execution replays the path of decisions
 * from the start (a stack of nodes, one per decision) and, past its end,
 * extends it with the first alternative allowed at each new decision. After
 * the execution, weft__dfs_advance moves the deepest node that still has an
 * untried alternative to it and drops the nodes below; when none is left,
 * the space is exhausted.
 *
 * Preemptions. The runtime flags a runnable entry WEFT__R_CURRENT when its
 * task was running and merely reached a scheduling point; picking another
 * task there is a preemption. Flags of tasks preempted earlier stay on their
 * entries, so the running task is found as: the task picked by the
 * previous pick when this pick follows it directly (step + 1), else the one
 * flagged entry (after an unasked step every entry was queued anew). The
 * running task is tried first, so the first execution is the
 * non-preemptive one, and paths with more than `bound` preemptions are
 * never taken.
 *
 * Sleep sets. A step of task T runs from T's scheduling point to its next
 * one; its footprint is the object it resumed on, the object of the point it
 * reached next, and the objects of the tasks it made runnable, as seen at
 * the decision right after it (anything not seen then, or object 0 — plain
 * checkpoints, shared memory the runtime cannot see — means "everything").
 * Two steps with disjoint footprints are independent. An alternative fully
 * explored at a node sleeps in the subtrees of its later siblings until a
 * dependent step runs; a node whose every allowed alternative sleeps is
 * covered by paths already explored: the execution then finishes without
 * branching (a "redundant" tail) and adds no nodes. Choose decisions (timers,
 * injections) wake every sleeper. Sleep sets are used only without a
 * preemption bound: a schedule they prune is equivalent to one explored, but
 * that one may need more preemptions than the bound allows (Coons et al.,
 * OOPSLA 2013), so under a bound they could lose schedules within it.
 *
 * Limits of the reduction (documented, not hidden): a non-blocking call that
 * touches an object and wakes nobody (event_set without waiters, is_set,
 * try_acquire) is not in any footprint, so the reduction assumes that memory
 * and objects touched between scheduling points are ordered by the objects
 * at those points. Programs whose steps communicate only through such calls
 * should be explored with random/pct/pos as well.
 *
 * Determinism: the search order depends only on the questions asked; a
 * replayed prefix that asks different questions stops the execution with a
 * "not deterministic" reason.
 */
#include "source.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define FP_MAX 6

/* What one step touched. */
typedef struct fp {
    uint32_t obj[FP_MAX];
    uint8_t n;
    bool all; /* unknown or object 0: conflicts with every step */
} fp;

/* One alternative of a pick, or one sleeping step. */
typedef struct alt {
    weft__runnable r;
    fp f; /* footprint of running it here; all until observed */
} alt;

/* One decision on the current path. */
typedef struct node {
    uint8_t kind;     /* enum weft__dkind */
    uint32_t n;       /* alternatives */
    uint32_t pos;     /* position (exploration order) being explored */
    uint32_t cur;     /* pick: index of the running task's entry, or NONE */
    uint32_t pre;     /* preemptions on the path before this decision */
    uint64_t step;
    size_t alt_off;   /* pick: its n alternatives in dfs->alts */
    size_t sleep_off; /* pick: its sleep set in dfs->sleep */
    size_t sleep_n;
} node;

struct weft__dfs {
    int64_t bound;             /* -1: unbounded */
    node *nodes;               /* the path; len of them */
    size_t len, ncap;
    alt *alts;                 /* alternatives of the pick nodes, in order */
    size_t alts_len, alts_cap;
    alt *sleep;                /* sleep sets of the pick nodes, in order */
    size_t sleep_len, sleep_cap;
    /* the current execution */
    size_t depth;              /* decisions answered */
    bool redundant;            /* sleep-blocked: no more nodes */
    uint32_t pre;              /* preemptions so far */
    bool have_pick;            /* a pick was answered */
    uint64_t pick_step;        /* its step */
    uint32_t pick_task;        /* the task it picked */
    uint64_t executions;       /* started so far */
};

/* ------------------------------------------------------------ memory */

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

weft__dfs *weft__dfs_new(int64_t bound)
{
    weft__dfs *d = calloc(1, sizeof *d);
    if (d)
        d->bound = bound < 0 ? -1 : bound;
    return d;
}

void weft__dfs_free(weft__dfs *d)
{
    if (!d)
        return;
    free(d->nodes);
    free(d->alts);
    free(d->sleep);
    free(d);
}

uint64_t weft__dfs_executions(const weft__dfs *d)
{
    return d->executions;
}

/* ------------------------------------------------------- footprints */

static void fp_add(fp *f, uint32_t obj)
{
    if (f->all)
        return;
    if (obj == 0) {
        f->all = true;
        return;
    }
    for (uint8_t i = 0; i < f->n; i++)
        if (f->obj[i] == obj)
            return;
    if (f->n == FP_MAX)
        f->all = true;
    else
        f->obj[f->n++] = obj;
}

static bool independent(const fp *a, const fp *b)
{
    if (a->all || b->all)
        return false;
    for (uint8_t i = 0; i < a->n; i++)
        for (uint8_t j = 0; j < b->n; j++)
            if (a->obj[i] == b->obj[j])
                return false;
    return true;
}

static const weft__runnable *find_task(const weft__runnable *q, size_t n,
                                       uint32_t task)
{
    for (size_t i = 0; i < n; i++)
        if (q[i].task == task)
            return &q[i];
    return NULL;
}

/* ------------------------------------------------------------ nodes */

/* Index of the alternative at exploration position p: the running task
 * first, then the run queue in order. */
static uint32_t index_at(const node *nd, uint32_t p)
{
    if (nd->kind != WEFT__D_PICK || nd->cur == NONE)
        return p;
    if (p == 0)
        return nd->cur;
    return p <= nd->cur ? p - 1 : p;
}

static bool preempts(const node *nd, uint32_t i)
{
    return nd->kind == WEFT__D_PICK && nd->cur != NONE && i != nd->cur;
}

static bool allowed(const weft__dfs *d, const node *nd, uint32_t i)
{
    if (nd->kind != WEFT__D_PICK)
        return true;
    if (d->bound >= 0 && (int64_t)(nd->pre + preempts(nd, i)) > d->bound)
        return false;
    uint32_t task = d->alts[nd->alt_off + i].r.task;
    for (size_t s = 0; s < nd->sleep_n; s++)
        if (d->sleep[nd->sleep_off + s].r.task == task)
            return false;
    return true;
}

/* The footprint of the step that the pick node nd chose, seen from the
 * pick (q, n) at step that directly follows it. */
static fp observe(const weft__dfs *d, const node *nd, const weft__runnable *q,
                  size_t n, uint64_t step)
{
    fp f = {.all = false};
    const alt *a = &d->alts[nd->alt_off];
    const weft__runnable *ran = &a[index_at(nd, nd->pos)].r;
    fp_add(&f, ran->obj);
    if (!q || step != nd->step + 1) {
        f.all = true;
        return f;
    }
    const weft__runnable *again = find_task(q, n, ran->task);
    if (!again)
        f.all = true; /* it blocked or ended: on what, we cannot tell */
    else
        fp_add(&f, again->obj);
    for (size_t i = 0; i < n && !f.all; i++) {
        bool was = false;
        for (uint32_t j = 0; j < nd->n && !was; j++)
            was = a[j].r.task == q[i].task;
        if (!was)
            fp_add(&f, q[i].obj);
    }
    return f;
}

/* Index in q of the running task, or NONE (see the file comment). */
static uint32_t running(const weft__dfs *d, const weft__runnable *q, size_t n,
                        uint64_t step)
{
    bool follows = d->have_pick && step == d->pick_step + 1;
    uint32_t cur = NONE;
    for (size_t i = 0; i < n; i++)
        if ((q[i].flags & WEFT__R_CURRENT) && (!follows || q[i].task == d->pick_task))
            cur = (uint32_t)i;
    return cur;
}

/* Appends u to the sleep pool unless it is there already. */
static int sleep_push(weft__dfs *d, node *nd, const alt *u)
{
    for (size_t s = 0; s < nd->sleep_n; s++)
        if (d->sleep[nd->sleep_off + s].r.task == u->r.task)
            return 0;
    if (grow((void **)&d->sleep, &d->sleep_cap, d->sleep_len + 1, sizeof *d->sleep) != 0)
        return -1;
    d->sleep[d->sleep_len++] = *u;
    nd->sleep_n++;
    return 0;
}

/* Keeps u asleep in nd when the step just taken (footprint f, by task t)
 * is independent of it and u is still pending as it was. */
static int inherit(weft__dfs *d, node *nd, const alt *u, const fp *f, uint32_t t,
                   const weft__runnable *q, size_t n)
{
    const weft__runnable *now = find_task(q, n, u->r.task);
    if (u->r.task == t || !now || now->op != u->r.op || now->obj != u->r.obj ||
        !independent(&u->f, f))
        return 0;
    return sleep_push(d, nd, u);
}

/* Fills nd's sleep set from its parent (a pick right before it). */
static int sleep_fill(weft__dfs *d, node *nd, const weft__runnable *q, size_t n)
{
    node *p = &d->nodes[d->len - 2];
    uint32_t ci = index_at(p, p->pos);
    alt *chosen = &d->alts[p->alt_off + ci];
    chosen->f = observe(d, p, q, n, nd->step);
    if (chosen->f.all)
        return 0;
    /* copies: the pools may move while we append */
    fp f = chosen->f;
    uint32_t t = chosen->r.task;
    for (size_t s = 0; s < p->sleep_n; s++) {
        alt u = d->sleep[p->sleep_off + s];
        if (inherit(d, nd, &u, &f, t, q, n) != 0)
            return -1;
    }
    for (uint32_t pp = 0; pp < p->pos; pp++) {
        uint32_t i = index_at(p, pp);
        alt u = d->alts[p->alt_off + i];
        if (allowed(d, p, i) && inherit(d, nd, &u, &f, t, q, n) != 0)
            return -1;
    }
    return 0;
}

/* Pushes a node for a new decision. Returns it, or NULL when out of
 * memory. */
static node *push(weft__dfs *d, int kind, size_t n, uint64_t step)
{
    if (grow((void **)&d->nodes, &d->ncap, d->len + 1, sizeof *d->nodes) != 0)
        return NULL;
    node *nd = &d->nodes[d->len++];
    *nd = (node){.kind = (uint8_t)kind, .n = (uint32_t)n, .cur = NONE,
                 .pre = d->pre, .step = step, .alt_off = d->alts_len,
                 .sleep_off = d->sleep_len};
    return nd;
}

static void pop(weft__dfs *d)
{
    node *nd = &d->nodes[--d->len];
    d->alts_len = nd->alt_off;
    d->sleep_len = nd->sleep_off;
}

/* ------------------------------------------------------ the decider */

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

static size_t not_deterministic(weft__source *s, uint64_t step)
{
    return stop(s, "dfs: decision %zu (step %llu) differs from the earlier execution "
                   "that took the same path: the program is not deterministic "
                   "(state kept between executions?)",
                s->dfs->depth + 1, (unsigned long long)step);
}

/* Answers a pick on the recorded path. */
static size_t replay_pick(weft__source *s, const weft__runnable *q, size_t n,
                          uint64_t step)
{
    weft__dfs *d = s->dfs;
    node *nd = &d->nodes[d->depth];
    if (nd->kind != WEFT__D_PICK || nd->n != n || nd->step != step)
        return not_deterministic(s, step);
    for (size_t i = 0; i < n; i++) {
        const weft__runnable *r = &d->alts[nd->alt_off + i].r;
        if (r->task != q[i].task || r->op != q[i].op || r->obj != q[i].obj)
            return not_deterministic(s, step);
    }
    if (d->depth > 0 && nd[-1].kind == WEFT__D_PICK) {
        uint32_t ci = index_at(&nd[-1], nd[-1].pos);
        d->alts[nd[-1].alt_off + ci].f = observe(d, &nd[-1], q, n, step);
    }
    return index_at(nd, nd->pos);
}

/* Extends the path with a pick node; NONE when every alternative sleeps or
 * lies beyond the bound (the node is then dropped). */
static uint32_t extend_pick(weft__source *s, const weft__runnable *q, size_t n,
                            uint64_t step, uint32_t cur)
{
    weft__dfs *d = s->dfs;
    node *nd = push(d, WEFT__D_PICK, n, step);
    if (!nd || grow((void **)&d->alts, &d->alts_cap, d->alts_len + n, sizeof *d->alts) != 0)
        goto oom;
    nd->cur = cur;
    for (size_t i = 0; i < n; i++)
        d->alts[d->alts_len++] = (alt){.r = q[i], .f = {.all = true}};
    if (d->bound < 0 && d->len >= 2 && nd[-1].kind == WEFT__D_PICK &&
        sleep_fill(d, nd, q, n) != 0)
        goto oom;
    for (uint32_t p = 0; p < n; p++)
        if (allowed(d, nd, index_at(nd, p))) {
            nd->pos = p;
            return index_at(nd, p);
        }
    pop(d);
    return NONE;
oom:
    s->oom = true;
    if (nd && d->len && &d->nodes[d->len - 1] == nd)
        pop(d);
    return NONE;
}

/* Answers a pick past the recorded path: a new node, or the default once
 * the execution is redundant (the running task, else the first). */
static size_t extend_or_default(weft__source *s, const weft__runnable *q, size_t n,
                                uint64_t step, uint32_t cur)
{
    weft__dfs *d = s->dfs;
    uint32_t x = d->redundant ? NONE : extend_pick(s, q, n, step, cur);
    if (x != NONE) {
        d->depth++;
        return x;
    }
    d->redundant = true;
    return cur != NONE ? cur : 0;
}

static size_t dfs_pick(weft__decider *dd, const weft__runnable *q, size_t n,
                       uint64_t step)
{
    weft__source *s = (weft__source *)dd;
    weft__dfs *d = s->dfs;
    uint32_t cur = running(d, q, n, step);
    size_t i;
    if (d->depth < d->len) {
        i = replay_pick(s, q, n, step);
        if (i == WEFT__DECIDE_STOP)
            return i;
        d->depth++;
    } else {
        i = extend_or_default(s, q, n, step, cur);
    }
    if (cur != NONE && i != cur)
        d->pre++;
    d->have_pick = true;
    d->pick_step = step;
    d->pick_task = q[i].task;
    weft__source_record(s, WEFT__D_PICK, n, q[i].task);
    return i;
}

static size_t dfs_choose(weft__decider *dd, int kind, size_t n, uint64_t step)
{
    weft__source *s = (weft__source *)dd;
    weft__dfs *d = s->dfs;
    size_t v = 0;
    if (d->depth < d->len) {
        node *nd = &d->nodes[d->depth];
        if (nd->kind != kind || nd->n != n)
            return not_deterministic(s, step);
        v = nd->pos;
        d->depth++;
    } else if (!d->redundant) {
        node *nd = push(d, kind, n, step);
        if (!nd)
            s->oom = true;
        else
            d->depth++;
    }
    weft__source_record(s, kind, n, (uint32_t)v);
    return v;
}

void weft__dfs_init(weft__source *s, weft__dfs *d, weft__trace *rec)
{
    memset(s, 0, sizeof *s);
    s->base.pick = dfs_pick;
    s->base.choose = dfs_choose;
    s->rec = rec;
    s->dfs = d;
    d->depth = 0;
    d->redundant = false;
    d->pre = 0;
    d->have_pick = false;
    d->executions++;
}

bool weft__dfs_advance(weft__dfs *d)
{
    /* nodes past what the last execution reached (it ended early) are stale */
    while (d->len > d->depth)
        pop(d);
    while (d->len > 0) {
        node *nd = &d->nodes[d->len - 1];
        for (uint32_t p = nd->pos + 1; p < nd->n; p++)
            if (allowed(d, nd, index_at(nd, p))) {
                nd->pos = p;
                d->alts_len = nd->alt_off + (nd->kind == WEFT__D_PICK ? nd->n : 0);
                d->sleep_len = nd->sleep_off + nd->sleep_n;
                return true;
            }
        pop(d);
    }
    return false;
}
