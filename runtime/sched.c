/*
 * sched.c — the run queue, scheduling points, blocking and waking, and the
 * virtual clock's advance.
 *
 * The running task chooses its successor itself: it asks the decider which
 * runnable task goes next and switches to it directly. When nobody is
 * runnable, the clock jumps to the earliest timer (Trio's autojump) after
 * waking weft_wait_all_tasks_blocked waiters; with no timer either, the
 * execution is a deadlock.
 *
 * Invariant: the run queue holds exactly the RUNNABLE tasks, in the order
 * they became runnable; a task whose checkpoint did not block goes to its
 * back (Trio's run queue), which is also the first-come-first-served order of
 * the fair tail.
 */
#include "rt.h"

#include <string.h>

_Thread_local weft__rt *weft__cur_rt;

/* ------------------------------------------------------------ wait queues */

void weft__waitq_push(weft__waitq *q, weft__task *t)
{
    WEFT__CHECK(t->wq == NULL);
    t->wq_next = NULL;
    t->wq_prev = q->tail;
    if (q->tail)
        q->tail->wq_next = t;
    else
        q->head = t;
    q->tail = t;
    q->n++;
    t->wq = q;
}

void weft__waitq_remove(weft__waitq *q, weft__task *t)
{
    WEFT__CHECK(t->wq == q);
    if (t->wq_prev)
        t->wq_prev->wq_next = t->wq_next;
    else
        q->head = t->wq_next;
    if (t->wq_next)
        t->wq_next->wq_prev = t->wq_prev;
    else
        q->tail = t->wq_prev;
    q->n--;
    t->wq = NULL;
    t->wq_next = t->wq_prev = NULL;
}

weft__task *weft__waitq_pop(weft__waitq *q)
{
    weft__task *t = q->head;
    if (t)
        weft__waitq_remove(q, t);
    return t;
}

/* -------------------------------------------------------------- run queue */

void weft__make_runnable(weft__rt *rt, weft__task *t, uint16_t op,
                         uint32_t obj)
{
    weft__runq *rq = &rt->rq;
    if (rq->n == rq->cap) {
        size_t cap = rq->cap ? rq->cap * 2 : 64;
        weft__runnable *q = realloc(rq->q, cap * sizeof *q);
        if (!q)
            weft__exec_fail(WEFT_KIND_CRASH, NULL, 0,
                            "out of memory growing the run queue");
        rq->q = q;
        rq->cap = cap;
    }
    t->state = WEFT__T_RUNNABLE;
    t->next_op = op;
    t->next_obj = obj;
    rq->q[rq->n++] = (weft__runnable){.task = t->id, .op = op, .obj = obj};
}

static WEFT_NORETURN void diverged(weft__rt *rt)
{
    const char *why = rt->p.decider->why;
    weft__exec_fail(WEFT_KIND_DIVERGED, NULL, 0, "replay diverged at step %llu: %s",
                    (unsigned long long)rt->step, why ? why : "the trace no longer fits");
}

/* Asks the decider for one of n >= 2 alternatives (kind: enum weft__dkind). */
size_t weft__choose(weft__rt *rt, int kind, size_t n)
{
    if (n < 2)
        return 0;
    size_t i = rt->p.decider->choose(rt->p.decider, kind, n, rt->step);
    if (i == WEFT__DECIDE_STOP)
        diverged(rt);
    WEFT__CHECK(i < n);
    return i;
}

static size_t pick_index(weft__rt *rt)
{
    size_t n = rt->rq.n;
    if (n < 2 || rt->step > rt->p.fair_after)
        return 0;
    size_t i = rt->p.decider->pick(rt->p.decider, rt->rq.q, n, rt->step);
    if (i == WEFT__DECIDE_STOP)
        diverged(rt);
    WEFT__CHECK(i < n);
    return i;
}

/* ------------------------------------------------------- clock and timers */

/* Due timers collected at one instant; reused across executions. */
static _Thread_local weft__timer **due;
static _Thread_local size_t due_cap;

static size_t collect_due(weft__rt *rt, uint8_t kind, size_t *n_other)
{
    size_t n = 0;
    weft__timer *top;
    *n_other = 0;
    while ((top = weft__timers_top(&rt->timers)) && top->when <= rt->now) {
        if (n == due_cap) {
            size_t cap = due_cap ? due_cap * 2 : 32;
            weft__timer **d = realloc(due, cap * sizeof *d);
            if (!d)
                weft__exec_fail(WEFT_KIND_CRASH, NULL, 0, "out of memory");
            due = d;
            due_cap = cap;
        }
        weft__timers_disarm(&rt->timers, top);
        due[n++] = top;
    }
    /* Deadlines first: when a sleep and a deadline around it fall due at
     * the same instant, the cancellation wins (Trio). Stable partition. */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (due[i]->kind == kind) {
            weft__timer *tm = due[i];
            memmove(due + k + 1, due + k, (i - k) * sizeof *due);
            due[k++] = tm;
        }
    *n_other = n - k;
    return k;
}

/* Fires due[lo..hi) in decided order. */
static void fire_range(weft__rt *rt, size_t lo, size_t hi)
{
    while (hi > lo) {
        /* drop sleeps whose task was woken by a deadline fired just now */
        size_t w = lo;
        for (size_t i = lo; i < hi; i++) {
            weft__timer *tm = due[i];
            if (tm->kind == WEFT__TM_SLEEP) {
                weft__task *t = WEFT__CONTAINER_OF(tm, weft__task, sleep_timer);
                if (t->state != WEFT__T_BLOCKED || t->wait_on != tm)
                    continue;
            }
            due[w++] = tm;
        }
        hi = w;
        if (hi == lo)
            return;
        size_t i = lo + weft__choose(rt, WEFT__D_TIMER, hi - lo);
        weft__timer *tm = due[i];
        memmove(due + i, due + i + 1, (hi - i - 1) * sizeof *due);
        hi--;
        if (tm->kind == WEFT__TM_DEADLINE)
            weft__scope_deadline_fired(rt, tm);
        else
            weft__sleep_timer_fired(rt, tm);
    }
}

/* Moves the clock to the earliest timer and fires every timer due then.
 * Returns false when no timer is pending. */
static bool advance_clock(weft__rt *rt)
{
    weft__timer *top = weft__timers_top(&rt->timers);
    if (!top)
        return false;
    if (top->when > rt->now) {
        rt->now = top->when;
        WEFT__EMIT(rt, .kind = WEFT__EV_CLOCK);
    }
    size_t n_sleep;
    size_t n_dead = collect_due(rt, WEFT__TM_DEADLINE, &n_sleep);
    bool was = rt->in_clock;
    rt->in_clock = true;
    fire_range(rt, 0, n_dead);
    fire_range(rt, n_dead, n_dead + n_sleep);
    rt->in_clock = was;
    return true;
}

/* With timeout injection on, while tasks are still runnable: asks whether
 * the runnable work was slow enough for the clock to reach the next timer,
 * and if so fires everything due then, so timeouts race with work. */
static void maybe_inject_timeout(weft__rt *rt)
{
    if (!rt->p.inject_timeout || rt->step > rt->p.fair_after ||
        !weft__timers_top(&rt->timers))
        return;
    if (weft__choose(rt, WEFT__D_TIMEOUT, 2) == 1) {
        WEFT__EMIT(rt, .kind = WEFT__EV_INJECT_TIMEOUT);
        advance_clock(rt);
    }
}

/* ------------------------------------------------------------- deadlock */

static void describe_wait(const weft__task *t, char *buf, size_t len)
{
    char label[96], what[256] = "";
    weft__task_label(t, label, sizeof label);
    if (t->wait && t->wait->describe)
        t->wait->describe(t, what, sizeof what);
    snprintf(buf, len, "  %s waits in %s%s%s at %s:%d\n", label,
             t->wait ? t->wait->call : "?", what[0] ? " " : "", what,
             t->wait_file ? t->wait_file : "?", t->wait_line);
}

static WEFT_NORETURN void deadlock(weft__rt *rt)
{
    char msg[sizeof rt->out->message];
    size_t off = (size_t)snprintf(msg, sizeof msg,
                                  "deadlock: every task is blocked and no timer is pending\n");
    const weft__task *where = NULL;
    for (size_t i = 0; i < rt->n_tasks; i++) {
        const weft__task *t = rt->tasks[i];
        if (t->state != WEFT__T_BLOCKED)
            continue;
        if (!where || (where->id == 0 && t->wait_file))
            where = t;
        if (off < sizeof msg)
            describe_wait(t, msg + off, sizeof msg - off);
        off += strlen(msg + off);
    }
    if (off > 0 && msg[off - 1] == '\n' && off < sizeof msg)
        msg[off - 1] = '\0';
    weft__exec_fail(WEFT_KIND_DEADLOCK, where ? where->wait_file : NULL,
                    where ? where->wait_line : 0, "%s", msg);
}

/* ------------------------------------------------------------- switching */

static weft__task *next_task(weft__rt *rt)
{
    rt->step++;
    if (rt->step > rt->p.fair_after + rt->p.max_steps)
        weft__exec_fail(WEFT_KIND_LIVELOCK, rt->cur->loc_file, rt->cur->loc_line,
                        "livelock: %llu scheduling points without finishing "
                        "(max_steps %llu in the fair tail)",
                        (unsigned long long)(rt->step - 1),
                        (unsigned long long)rt->p.max_steps);
    while (rt->rq.n == 0) {
        if (weft__wake_idle_waiters(rt))
            break;
        if (!advance_clock(rt))
            deadlock(rt);
    }
    maybe_inject_timeout(rt);
    size_t i = pick_index(rt);
    weft__runq *rq = &rt->rq;
    uint32_t id = rq->q[i].task;
    rq->n--;
    memmove(rq->q + i, rq->q + i + 1, (rq->n - i) * sizeof *rq->q);
    return rt->tasks[id];
}

static void release_zombie(weft__rt *rt)
{
    weft__task *z = rt->zombie;
    if (z) {
        rt->zombie = NULL;
        weft__stack_put(&rt->stacks, &z->stack);
        z->stack.lo = NULL;
    }
}

void weft__after_switch(weft__rt *rt)
{
    release_zombie(rt);
}

static void switch_to(weft__rt *rt, weft__task *next)
{
    weft__task *prev = rt->cur;
    next->state = WEFT__T_RUNNING;
    rt->cur = next;
    if (next != prev)
        WEFT__EMIT(rt, .kind = WEFT__EV_RUN, .task = next->id, .other = prev->id);
    if (next != prev) {
        weft__fiber_switch(&prev->fiber, &next->fiber);
        release_zombie(rt);
    }
}

void weft__switch_away(weft__rt *rt)
{
    switch_to(rt, next_task(rt));
}

void weft__schedule_point(weft__rt *rt, uint16_t op, uint32_t obj)
{
    WEFT__EMIT(rt, .kind = WEFT__EV_YIELD, .task = rt->cur->id, .op = op, .obj = obj,
               .file = rt->cur->loc_file, .line = rt->cur->loc_line);
    weft__make_runnable(rt, rt->cur, op, obj);
    rt->rq.q[rt->rq.n - 1].flags = WEFT__R_CURRENT;
    switch_to(rt, next_task(rt));
}

void weft__exit_task(weft__rt *rt)
{
    weft__task *t = rt->cur;
    WEFT__CHECK(t->state == WEFT__T_DONE);
    rt->zombie = t;
    weft__task *next = next_task(rt);
    next->state = WEFT__T_RUNNING;
    rt->cur = next;
    weft__fiber_switch_final(&t->fiber, &next->fiber);
}

/* ------------------------------------------------------ blocking, waking */

int weft__block(weft__rt *rt, const weft__wait_ops *ops, const void *on,
                uint32_t obj, bool cancellable)
{
    weft__task *t = rt->cur;
    if (cancellable)
        weft__maybe_inject_cancel(rt, t);
    if (cancellable && weft__cancel_catcher(t)) {
        /* Cancelled already: the wait never starts, but this is still a
         * scheduling point. */
        if (t->wq)
            weft__waitq_remove(t->wq, t);
        if (ops->abort)
            ops->abort(t);
        weft__schedule_point(rt, WEFT__OP_WAKE, obj);
        return WEFT_CANCELLED;
    }
    t->state = WEFT__T_BLOCKED;
    t->wait = ops;
    t->wait_on = on;
    t->wait_obj = obj;
    t->cancellable = cancellable;
    t->wake_status = WEFT_OK;
    t->wait_file = t->loc_file;
    t->wait_line = t->loc_line;
    if (__builtin_expect(rt->p.observe != NULL, 0)) {
        char what[256] = "";
        if (ops->describe)
            ops->describe(t, what, sizeof what);
        WEFT__EMIT(rt, .kind = WEFT__EV_BLOCK, .task = t->id, .obj = obj, .call = ops->call,
                   .text = what, .file = t->wait_file, .line = t->wait_line);
    }
    switch_to(rt, next_task(rt));
    t->wait = NULL;
    t->wait_on = NULL;
    return t->wake_status;
}

void weft__wake(weft__rt *rt, weft__task *t, int status, uint16_t op)
{
    WEFT__CHECK(t->state == WEFT__T_BLOCKED);
    if (t->wq)
        weft__waitq_remove(t->wq, t);
    weft__timers_disarm(&rt->timers, &t->sleep_timer);
    t->wake_status = status;
    weft__make_runnable(rt, t, op, t->wait_obj);
    WEFT__EMIT(rt, .kind = WEFT__EV_WAKE, .task = t->id, .obj = t->wait_obj, .status = status,
               .other = rt->in_clock ? UINT32_MAX : rt->cur->id,
               .file = rt->in_clock ? NULL : rt->cur->loc_file,
               .line = rt->in_clock ? 0 : rt->cur->loc_line);
}
