/*
 * timeline.c — recording a replay's events into a timeline.
 *
 * The replay runs under a thin decider that forwards every question to the
 * replay source (scheduler/replay.c) and notes what a reader needs from the
 * answers: which picks were preemptions, which of several due timers fired
 * first, which injections were made. The observer copies every event,
 * interning its strings (the runtime's are valid only during the call), and
 * keeps each task's name, parent and last block. Neither changes a
 * decision: the recorded execution is the trace's.
 */
#include "timeline.h"

#include <stdlib.h>
#include <string.h>

#include "../scheduler/explore.h"
#include "../scheduler/source.h"

/* ------------------------------------------------------------ strings */

/* Interned strings: one copy of each distinct string, in chunks that live
 * as long as the timeline (a 10,000-step run repeats a handful of file
 * names and wait descriptions thousands of times). */
#define POOL_CHUNK 65536

struct weft__strpool {
    char **chunk;            /* allocated chunks */
    size_t n_chunk, cap_chunk;
    char *cur;               /* free space in the last chunk */
    size_t left;
    const char **slot;       /* open addressing by FNV-1a; NULL: empty */
    size_t cap, n;
};

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static char *pool_alloc(weft__strpool *p, size_t len)
{
    if (len > p->left) {
        size_t size = len > POOL_CHUNK ? len : POOL_CHUNK;
        if (p->n_chunk == p->cap_chunk) {
            size_t cap = p->cap_chunk ? p->cap_chunk * 2 : 8;
            char **c = realloc(p->chunk, cap * sizeof *c);
            if (!c)
                return NULL;
            p->chunk = c;
            p->cap_chunk = cap;
        }
        char *mem = malloc(size);
        if (!mem)
            return NULL;
        p->chunk[p->n_chunk++] = mem;
        p->cur = mem;
        p->left = size;
    }
    char *r = p->cur;
    p->cur += len;
    p->left -= len;
    return r;
}

static int pool_grow(weft__strpool *p)
{
    size_t cap = p->cap ? p->cap * 2 : 256;
    const char **slot = calloc(cap, sizeof *slot);
    if (!slot)
        return -1;
    for (size_t i = 0; i < p->cap; i++) {
        if (!p->slot[i])
            continue;
        size_t j = fnv(p->slot[i]) & (cap - 1);
        while (slot[j])
            j = (j + 1) & (cap - 1);
        slot[j] = p->slot[i];
    }
    free(p->slot);
    p->slot = slot;
    p->cap = cap;
    return 0;
}

/* The interned copy of s (NULL stays NULL); NULL and tl->oom when out of
 * memory. */
static const char *intern(weft__timeline *tl, const char *s)
{
    weft__strpool *p = tl->pool;
    if (!s)
        return NULL;
    if ((p->n + 1) * 2 > p->cap && pool_grow(p) != 0)
        goto out_oom;
    size_t i = fnv(s) & (p->cap - 1);
    for (; p->slot[i]; i = (i + 1) & (p->cap - 1))
        if (strcmp(p->slot[i], s) == 0)
            return p->slot[i];
    size_t len = strlen(s) + 1;
    char *copy = pool_alloc(p, len);
    if (!copy)
        goto out_oom;
    memcpy(copy, s, len);
    p->slot[i] = copy;
    p->n++;
    return copy;
out_oom:
    tl->oom = true;
    return NULL;
}

static void pool_free(weft__strpool *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_chunk; i++)
        free(p->chunk[i]);
    free(p->chunk);
    free(p->slot);
    free(p);
}

/* ------------------------------------------------------------ recording */

static weft__tl_event *push_event(weft__timeline *tl)
{
    if (tl->n_ev == tl->cap_ev) {
        size_t cap = tl->cap_ev ? tl->cap_ev * 2 : 256;
        weft__tl_event *ev = realloc(tl->ev, cap * sizeof *ev);
        if (!ev) {
            tl->oom = true;
            return NULL;
        }
        tl->ev = ev;
        tl->cap_ev = cap;
    }
    weft__tl_event *e = &tl->ev[tl->n_ev++];
    memset(e, 0, sizeof *e);
    e->task = e->other = WEFT__TL_NOBODY;
    e->ref = SIZE_MAX;
    return e;
}

/* The task with this id, created (unnamed) when first seen. NULL when out
 * of memory or not a task id. */
static weft__tl_task *task_of(weft__timeline *tl, uint32_t id)
{
    if (id == WEFT__TL_NOBODY || id > (1u << 24))
        return NULL;
    while (tl->n_task <= id) {
        if (tl->n_task == tl->cap_task) {
            size_t cap = tl->cap_task ? tl->cap_task * 2 : 16;
            weft__tl_task *t = realloc(tl->task, cap * sizeof *t);
            if (!t) {
                tl->oom = true;
                return NULL;
            }
            tl->task = t;
            tl->cap_task = cap;
        }
        weft__tl_task *t = &tl->task[tl->n_task];
        memset(t, 0, sizeof *t);
        t->parent = WEFT__TL_NOBODY;
        t->last_block = SIZE_MAX;
        char name[32];
        snprintf(name, sizeof name, tl->n_task == 0 ? "main" : "task %zu", tl->n_task);
        t->name = intern(tl, name);
        tl->n_task++;
    }
    return &tl->task[id];
}

typedef struct recorder {
    weft__decider base;       /* first: the runtime sees only this */
    weft__source src;         /* the replay source answering */
    weft__timeline *tl;
    uint32_t cur;             /* the task running, as far as events tell */
    uint16_t timers_due;      /* a timer decision among this many was just
                                 made: the next event is its timer firing */
} recorder;

/* Keeps each task's state as the events tell it. */
static void track(recorder *r, const weft__tl_event *e, size_t idx)
{
    weft__timeline *tl = r->tl;
    weft__tl_task *t = task_of(tl, e->task);
    uint32_t actor = weft__tl_actor(e);
    if (actor != WEFT__TL_NOBODY)
        r->cur = actor;
    if (!t)
        return;
    switch (e->kind) {
    case WEFT__EV_SPAWN:
        if (e->call && e->call[0])
            t->name = e->call;
        t->parent = e->other;
        t->file = e->file;
        t->line = e->line;
        t->state = WEFT__TL_RUNNABLE;
        break;
    case WEFT__EV_BLOCK:
        t->state = WEFT__TL_BLOCKED;
        t->last_block = idx;
        break;
    case WEFT__EV_WAKE:
        tl->ev[idx].ref = t->last_block;
        t->state = WEFT__TL_RUNNABLE;
        break;
    case WEFT__EV_YIELD:
        t->state = WEFT__TL_RUNNABLE;
        break;
    case WEFT__EV_DONE:
        t->state = WEFT__TL_DONE;
        t->status = e->status;
        break;
    default:
        break;
    }
}

static void observe(void *ctx, const weft__event *ev)
{
    recorder *r = ctx;
    weft__timeline *tl = r->tl;
    if (tl->n_ev == 0)
        tl->t0 = ev->time;
    weft__tl_event *e = push_event(tl);
    if (!e)
        return;
    e->kind = ev->kind;
    e->cause = ev->cause;
    e->op = ev->op;
    e->task = ev->task;
    e->other = ev->other;
    e->obj = ev->obj;
    e->status = ev->status;
    e->step = ev->step;
    e->time = ev->time - tl->t0;
    e->file = intern(tl, ev->file);
    e->line = ev->line;
    e->call = intern(tl, ev->call);
    e->text = intern(tl, ev->text);
    if (r->timers_due && (e->kind == WEFT__EV_WAKE || e->kind == WEFT__EV_CANCEL)) {
        e->among = r->timers_due;
        r->timers_due = 0;
    }
    /* The clock and the scheduler name no task; those that do must exist. */
    if (e->kind == WEFT__EV_CLOCK || e->kind == WEFT__EV_INJECT_TIMEOUT)
        e->task = WEFT__TL_NOBODY;
    if (e->kind == WEFT__EV_CANCEL && e->cause == WEFT__CAUSE_DEADLINE)
        e->task = WEFT__TL_NOBODY;
    /* `other` means something only in these; elsewhere it is left 0. */
    if (e->kind != WEFT__EV_RUN && e->kind != WEFT__EV_WAKE && e->kind != WEFT__EV_SPAWN)
        e->other = WEFT__TL_NOBODY;
    if (e->other != WEFT__TL_NOBODY && !task_of(tl, e->other))
        e->other = WEFT__TL_NOBODY;
    track(r, e, tl->n_ev - 1);
}

/* Flags the YIELD that task `from` made just before this pick. */
static void mark_preempted(weft__timeline *tl, uint32_t from, uint32_t to)
{
    for (size_t k = tl->n_ev, seen = 0; k > 0 && seen < 16; k--, seen++) {
        weft__tl_event *e = &tl->ev[k - 1];
        if (e->kind == WEFT__EV_RUN)
            return;
        if (e->kind == WEFT__EV_YIELD && e->task == from) {
            e->flags |= WEFT__TL_PREEMPTED;
            e->other = to;
            tl->preemptions++;
            return;
        }
    }
}

static size_t rec_pick(weft__decider *d, const weft__runnable *q, size_t n,
                       uint64_t step)
{
    recorder *r = (recorder *)d;
    size_t i = r->src.base.pick(&r->src.base, q, n, step);
    r->base.why = r->src.base.why;
    if (i == WEFT__DECIDE_STOP)
        return i;
    for (size_t k = 0; k < n; k++)
        if ((q[k].flags & WEFT__R_CURRENT) && k != i)
            mark_preempted(r->tl, q[k].task, q[i].task);
    return i;
}

static size_t rec_choose(weft__decider *d, int kind, size_t n, uint64_t step)
{
    recorder *r = (recorder *)d;
    weft__timeline *tl = r->tl;
    size_t v = r->src.base.choose(&r->src.base, kind, n, step);
    r->base.why = r->src.base.why;
    if (v == WEFT__DECIDE_STOP)
        return v;
    if (kind >= WEFT__D_CANCEL && v)
        tl->injections++;
    if (kind == WEFT__D_TIMER)
        r->timers_due = n > UINT16_MAX ? UINT16_MAX : (uint16_t)n;
    if (kind == WEFT__D_INJECT && v) {
        weft__tl_event *e = push_event(tl);
        if (e) {
            e->kind = WEFT__TL_INJECT;
            e->task = r->cur;
            e->step = step;
            e->time = tl->n_ev > 1 ? tl->ev[tl->n_ev - 2].time : 0;
        }
    }
    return v;
}

/* Splits "file:line" into the timeline's copy of file and the line. */
static void split_location(weft__timeline *tl, const char *loc)
{
    const char *colon = strrchr(loc, ':');
    if (!loc[0] || !colon || colon == loc)
        return;
    char file[256];
    snprintf(file, sizeof file, "%.*s", (int)(colon - loc), loc);
    tl->loc_file = intern(tl, file);
    tl->loc_line = atoi(colon + 1);
}

/* Appends the END event and the outcome. */
static void finish(recorder *r, const weft__outcome *oc)
{
    weft__timeline *tl = r->tl;
    tl->kind = oc->kind;
    tl->message = intern(tl, oc->message);
    tl->location = intern(tl, oc->location);
    tl->steps = oc->steps;
    /* A task that finishes switches away without a RUN event, so the
     * message's "(in task N" is surer than the events. */
    const char *in = strstr(oc->message, "(in task ");
    tl->end_task = in ? (uint32_t)strtoul(in + 9, NULL, 10) : r->cur;
    if (oc->kind == WEFT_KIND_DEADLOCK || tl->end_task >= tl->n_task)
        tl->end_task = WEFT__TL_NOBODY;
    split_location(tl, oc->location);
    weft__tl_task *t = task_of(tl, tl->end_task);
    if (t && t->state == WEFT__TL_RUNNABLE)
        t->state = WEFT__TL_RUNNING;
    int64_t last = tl->n_ev ? tl->ev[tl->n_ev - 1].time : 0;
    weft__tl_event *e = push_event(tl);
    if (!e)
        return;
    e->kind = WEFT__TL_END;
    e->task = tl->end_task;
    e->status = oc->kind;
    e->step = oc->steps;
    e->time = last;
    e->file = tl->loc_file;
    e->line = tl->loc_line;
    e->text = tl->message;
}

static weft__timeline *timeline_new(const weft__trace *trace)
{
    weft__timeline *tl = calloc(1, sizeof *tl);
    if (!tl)
        return NULL;
    tl->pool = calloc(1, sizeof *tl->pool);
    if (!tl->pool) {
        free(tl);
        return NULL;
    }
    tl->h = trace->h;
    tl->trace_hash = weft__trace_hash(trace);
    tl->decisions = trace->len;
    tl->end_task = 0;
    tl->location = "";
    tl->message = "";
    return tl;
}

/* Replays trace under the recorder. 0, or -1 with a message. */
static int replay(recorder *r, const char *name, weft_task_fn fn, void *arg,
                  const weft__trace *trace, char *err, size_t err_len)
{
    weft__trace scratch;
    weft__outcome oc;
    weft__trace_init(&scratch);
    weft__replay_init(&r->src, trace, &scratch);
    r->base.pick = rec_pick;
    r->base.choose = rec_choose;
    weft__exec_params p = weft__exec_params_from_header(&trace->h, &r->base, fn, arg, 0);
    p.test_name = name ? name : trace->h.test;
    p.observe = observe;
    p.observe_ctx = r;
    int rc = weft__exec_run(&p, &oc);
    size_t unused = weft__replay_unused(&r->src);
    weft__trace_free(&scratch);
    if (rc != 0) {
        snprintf(err, err_len, "%s", oc.message);
        return -1;
    }
    if (oc.kind == WEFT_KIND_DIVERGED) {
        snprintf(err, err_len, "%s", oc.message);
        return -1;
    }
    /* A recorded run ends where its trace ends: decisions left over mean
     * another program, whose timeline would tell another story. */
    if (unused) {
        snprintf(err, err_len, "replay diverged: the execution ended (%s) after step %llu "
                               "with %zu of the trace's %zu decisions unused",
                 oc.kind ? weft_kind_name(oc.kind) : "passed", (unsigned long long)oc.steps,
                 unused, trace->len);
        return -1;
    }
    finish(r, &oc);
    return 0;
}

int weft__timeline_record(const char *name, weft_task_fn fn, void *arg,
                          const weft__trace *trace, weft__timeline **out,
                          char *err, size_t err_len)
{
    *out = NULL;
    if (!fn || !trace) {
        snprintf(err, err_len, "no test function or no trace");
        return -1;
    }
    if (name && trace->h.test[0] && strcmp(name, trace->h.test) != 0) {
        snprintf(err, err_len, "the trace was recorded for test '%s', not '%s'",
                 trace->h.test, name);
        return -1;
    }
    recorder *r = calloc(1, sizeof *r);
    weft__timeline *tl = timeline_new(trace);
    if (!r || !tl) {
        snprintf(err, err_len, "out of memory recording a timeline");
        goto out_free;
    }
    r->tl = tl;
    if (replay(r, name, fn, arg, trace, err, err_len) != 0)
        goto out_free;
    if (tl->oom) {
        snprintf(err, err_len, "out of memory recording a timeline");
        goto out_free;
    }
    free(r);
    *out = tl;
    return 0;
out_free:
    weft__timeline_free(tl);
    free(r);
    return -1;
}

void weft__timeline_free(weft__timeline *tl)
{
    if (!tl)
        return;
    free(tl->ev);
    free(tl->task);
    pool_free(tl->pool);
    free(tl);
}

/* ---------------------------------------------------------------- rows */

/* How much a reader needs event e: 0 never a row (implied by others),
 * 1 ordinary progress, 2 notable, 3 essential. */
static int level(const weft__tl_event *e)
{
    switch (e->kind) {
    case WEFT__EV_RUN:
        return 0;
    case WEFT__EV_SPAWN:
        return e->task == 0 ? 0 : 2;
    case WEFT__EV_YIELD:
        return e->flags & WEFT__TL_PREEMPTED ? 2 : 1;
    case WEFT__EV_DONE:
        return e->status == WEFT_OK ? 2 : 3;
    default:
        return 3;
    }
}

/* Runs of more ordinary steps than this are folded to their ends. */
#define FOLD_RUN 8
#define FOLD_KEEP 3
/* Fewer hidden events than this get no fold row. */
#define FOLD_MIN 3

/* At level 1: hides the middle of every run of more than FOLD_RUN ordinary
 * events (level-0 events do not break a run). */
static void fold_long_runs(const weft__timeline *tl, bool *shown)
{
    size_t i = 0;
    while (i < tl->n_ev) {
        if (level(&tl->ev[i]) != 1) {
            i++;
            continue;
        }
        size_t j = i, count = 0;
        while (j < tl->n_ev && level(&tl->ev[j]) <= 1)
            count += level(&tl->ev[j++]) == 1;
        if (count > FOLD_RUN) {
            size_t seen = 0;
            for (size_t k = i; k < j; k++) {
                if (level(&tl->ev[k]) != 1)
                    continue;
                seen++;
                shown[k] = seen <= FOLD_KEEP || seen > count - FOLD_KEEP;
            }
        }
        i = j;
    }
}

/* Keeps the first quarter of the budget and the events nearest the end. */
static void cap_shown(const weft__timeline *tl, bool *shown, size_t budget)
{
    size_t total = 0, head = budget / 4, seen = 0;
    for (size_t i = 0; i < tl->n_ev; i++)
        total += shown[i];
    if (total <= budget)
        return;
    for (size_t i = 0; i < tl->n_ev; i++) {
        if (!shown[i] || tl->ev[i].kind == WEFT__TL_END)
            continue;
        seen++;
        shown[i] = seen <= head || seen > total - (budget - head);
    }
}

static int build_rows(const weft__timeline *tl, const bool *shown,
                      weft__tl_row **rows, size_t *n_rows)
{
    weft__tl_row *r = malloc((2 * tl->n_ev + 1) * sizeof *r);
    size_t n = 0;
    if (!r)
        return -1;
    for (size_t i = 0; i < tl->n_ev;) {
        if (shown[i]) {
            r[n++] = (weft__tl_row){.ev = i, .end = i + 1};
            i++;
            continue;
        }
        /* A fold row for one or two hidden yields would cost more room
         * than it saves: those go silently (the step column jumps). */
        size_t j = i, visible = 0;
        while (j < tl->n_ev && !shown[j])
            visible += level(&tl->ev[j++]) > 0;
        if (visible >= FOLD_MIN)
            r[n++] = (weft__tl_row){.ev = i, .end = j, .fold = true,
                                    .from = tl->ev[i].step, .to = tl->ev[j - 1].step};
        i = j;
    }
    *rows = r;
    *n_rows = n;
    return 0;
}

int weft__tl_rows(const weft__timeline *tl, size_t budget, weft__tl_row **rows,
                  size_t *n_rows)
{
    *rows = NULL;
    *n_rows = 0;
    if (budget < 8)
        budget = 8;
    bool *shown = calloc(tl->n_ev + 1, sizeof *shown);
    if (!shown)
        return -1;
    size_t count[5] = {0};
    for (size_t i = 0; i < tl->n_ev; i++)
        count[level(&tl->ev[i])]++;
    int min = 3;
    if (count[3] + count[2] + count[1] <= budget)
        min = 1;
    else if (count[3] + count[2] <= budget)
        min = 2;
    for (size_t i = 0; i < tl->n_ev; i++)
        shown[i] = level(&tl->ev[i]) >= min;
    if (min == 1)
        fold_long_runs(tl, shown);
    cap_shown(tl, shown, budget);
    int rc = build_rows(tl, shown, rows, n_rows);
    free(shown);
    return rc;
}

/* ------------------------------------------------------ the wait-for graph */

/* Task ids named "task N" in text, except self. */
static size_t mentioned_tasks(const weft__timeline *tl, const char *text, uint32_t self,
                              uint32_t *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = text; p && (p = strstr(p, "task ")) != NULL; p += 5) {
        if (p > text && p[-1] != ' ' && p[-1] != ':' && p[-1] != '(')
            continue;
        char *end;
        unsigned long id = strtoul(p + 5, &end, 10);
        if (end == p + 5 || id == self || id >= tl->n_task || n == cap)
            continue;
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup |= out[k] == id;
        if (!dup)
            out[n++] = (uint32_t)id;
    }
    return n;
}

/* The runtime's wait descriptions (the *_describe functions of runtime/) start with
 * "on KIND #N (created at F:L...", "for the group opened at F:L (...",
 * "for task N 'x' to call weft_started" or "forever": a change there must
 * keep these shapes. */
void weft__tl_block_object(const weft__tl_event *b, char *object, size_t olen,
                           char *created, size_t clen)
{
    const char *t = b->text ? b->text : "";
    const char *at = strstr(t, "(created at ");
    const char *opened = strstr(t, "opened at ");
    created[0] = '\0';
    if (b->call && strcmp(b->call, "weft_sleep") == 0) {
        snprintf(object, olen, "sleep");
    } else if (strncmp(t, "on ", 3) == 0) {
        const char *end = strstr(t, " (");
        int len = end ? (int)(end - t - 3) : (int)strlen(t + 3);
        snprintf(object, olen, "%.*s", len, t + 3);
    } else if (opened) {
        snprintf(object, olen, "task group");
    } else if (strncmp(t, "for task ", 9) == 0) {
        snprintf(object, olen, "weft_started");
    } else {
        snprintf(object, olen, "%s", b->call ? b->call : "?");
    }
    const char *from = at ? at + 12 : opened ? opened + 10 : NULL;
    if (from) {
        size_t len = strcspn(from, ",) ");
        snprintf(created, clen, "%.*s", (int)len, from);
    }
}

static void drop_finished(const weft__timeline *tl, weft__tl_wait *w)
{
    size_t k = 0;
    for (size_t i = 0; i < w->n_holders; i++)
        if (tl->task[w->holders[i]].state != WEFT__TL_DONE)
            w->holders[k++] = w->holders[i];
    w->n_holders = k;
}

/* Marks the waits whose task can reach itself through holders. */
static void mark_cycles(weft__tl_wait *w, size_t n)
{
    for (size_t s = 0; s < n; s++) {
        bool reach[64] = {false};
        bool grew = true;
        for (size_t h = 0; h < w[s].n_holders; h++)
            for (size_t k = 0; k < n; k++)
                reach[k] |= w[k].task == w[s].holders[h];
        while (grew) {
            grew = false;
            for (size_t k = 0; k < n; k++) {
                if (!reach[k])
                    continue;
                for (size_t h = 0; h < w[k].n_holders; h++)
                    for (size_t m = 0; m < n; m++)
                        if (!reach[m] && w[m].task == w[k].holders[h])
                            reach[m] = grew = true;
            }
        }
        w[s].in_cycle = reach[s];
    }
}

size_t weft__tl_waitfor(const weft__timeline *tl, weft__tl_wait *w, size_t cap)
{
    size_t n = 0;
    if (cap > 64)
        cap = 64;
    for (uint32_t id = 0; id < tl->n_task && n < cap; id++) {
        const weft__tl_task *t = &tl->task[id];
        if (t->state != WEFT__TL_BLOCKED || t->last_block == SIZE_MAX)
            continue;
        const weft__tl_event *b = &tl->ev[t->last_block];
        weft__tl_wait *x = &w[n++];
        memset(x, 0, sizeof *x);
        x->task = id;
        x->block = t->last_block;
        x->obj = b->obj;
        weft__tl_block_object(b, x->object, sizeof x->object, x->created,
                              sizeof x->created);
        if (strcmp(x->object, "sleep") == 0 && b->text)
            snprintf(x->object, sizeof x->object, "sleep %s", b->text);
        const char *deps = b->text ? b->text : "";
        const char *held = strstr(deps, "held by ");
        const char *running = strstr(deps, "running:");
        const char *borrowed = strstr(deps, "borrowed by ");
        const char *from = held ? held : running ? running : borrowed ? borrowed
                           : strncmp(deps, "for task ", 9) == 0 ? deps : NULL;
        if (from)
            x->n_holders = mentioned_tasks(tl, from, id, x->holders,
                                           sizeof x->holders / sizeof x->holders[0]);
        /* A group's children were listed when the join blocked; those that
         * finished since are not waited for any more. (A lock's holder
         * that finished still holds it.) */
        if (running)
            drop_finished(tl, x);
    }
    mark_cycles(w, n);
    return n;
}
